//! Which module of a crate uses which, read from its source: `crate::`, `super::` and `self::` paths
//! (in `use` lines and in code) resolved through the module tree and its re-exports. The layering
//! tests check the result against an explicit order of layers and for cycles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod lex;

use lex::Token;

/// A module by its path from the crate root (`store::item`; the root is empty).
pub type ModPath = Vec<String>;

/// One module file, read.
#[derive(Debug, Default)]
struct Module {
    /// Child modules declared with `mod name;`.
    children: BTreeSet<String>,
    /// Names its top-level `use` items bring in (alias or last segment) → the absolute path.
    imports: BTreeMap<String, ModPath>,
    /// Every absolute path it mentions (resolved later).
    mentions: Vec<ModPath>,
}

/// A crate's modules and the paths each mentions.
#[derive(Debug)]
pub struct Crate {
    modules: BTreeMap<ModPath, Module>,
}

/// `from` uses something of `to`, two modules with the same parent (`parent`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: String,
    pub to: String,
}

impl Crate {
    /// Reads the crate whose root is `src/lib.rs`, following `mod name;` declarations.
    pub fn read(src: &Path) -> Self {
        let mut modules = BTreeMap::new();
        let mut todo = vec![(ModPath::new(), src.join("lib.rs"))];
        while let Some((path, file)) = todo.pop() {
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let module = parse(&path, &lex::tokens(&text));
            let dir = child_dir(src, &path, &file);
            for child in &module.children {
                let mut child_path = path.clone();
                child_path.push(child.clone());
                let flat = dir.join(format!("{child}.rs"));
                let file = if flat.is_file() {
                    flat
                } else {
                    dir.join(child).join("mod.rs")
                };
                todo.push((child_path, file));
            }
            modules.insert(path, module);
        }
        Self { modules }
    }

    /// Every module path, the root first.
    pub fn modules(&self) -> impl Iterator<Item = &ModPath> {
        self.modules.keys()
    }

    /// The module an absolute path mentioned in `from` lands in: down the module tree, through the
    /// imports (re-exports) of `from` and its ancestors only: a path through another module's
    /// namespace uses that module, whatever it re-exports.
    fn resolve(&self, from: &ModPath, path: &[String], depth: usize) -> ModPath {
        let mut current = ModPath::new();
        for (i, segment) in path.iter().enumerate() {
            let Some(module) = self.modules.get(&current) else {
                break;
            };
            if module.children.contains(segment) {
                current.push(segment.clone());
                continue;
            }
            let ancestor = from.starts_with(&current);
            if let Some(target) = module
                .imports
                .get(segment)
                .filter(|_| ancestor && depth < 16)
            {
                let mut next = target.clone();
                next.extend(path[i + 1..].iter().cloned());
                if next != path {
                    return self.resolve(from, &next, depth + 1);
                }
            }
            break;
        }
        current
    }

    /// The uses between sibling modules: `a::b::c` using `a::d` is `a::b` → `a::d` (under `a`).
    /// A module using its ancestors or its own descendants is no edge.
    pub fn edges(&self) -> BTreeSet<Edge> {
        let mut edges = BTreeSet::new();
        for (from, module) in &self.modules {
            for mention in &module.mentions {
                let to = self.resolve(from, mention, 0);
                let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
                if from.len() > common && to.len() > common {
                    edges.insert(Edge {
                        from: from[..=common].join("::"),
                        to: to[..=common].join("::"),
                    });
                }
            }
        }
        edges
    }
}

/// The folder of a module's children: next to `mod.rs`/`lib.rs`, else the folder named for the file.
fn child_dir(src: &Path, path: &ModPath, file: &Path) -> PathBuf {
    let parent = file.parent().unwrap_or(src).to_path_buf();
    match file.file_name().and_then(|n| n.to_str()) {
        Some("mod.rs" | "lib.rs") => parent,
        _ => parent.join(path.last().map(String::as_str).unwrap_or_default()),
    }
}

/// Reads one module file: its `mod` declarations, its imports and every path it mentions.
fn parse(path: &ModPath, tokens: &[Token]) -> Module {
    let mut module = Module::default();
    // Inline modules (`mod tests { … }`): their name and the brace depth they opened at.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < tokens.len() {
        let here = {
            let mut p = path.clone();
            p.extend(inline.iter().map(|(n, _)| n.clone()));
            p
        };
        match &tokens[i] {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => {
                depth -= 1;
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            Token::Ident(kw) if kw == "mod" => {
                if let Some(Token::Ident(name)) = tokens.get(i + 1) {
                    match tokens.get(i + 2) {
                        Some(Token::Punct(';')) if inline.is_empty() => {
                            module.children.insert(name.clone());
                        }
                        Some(Token::Punct('{')) => {
                            inline.push((name.clone(), depth));
                            depth += 1;
                            i += 3;
                            continue;
                        }
                        _ => {}
                    }
                }
            }
            Token::Ident(kw) if kw == "use" => {
                let end = tokens[i..]
                    .iter()
                    .position(|t| *t == Token::Punct(';'))
                    .map_or(tokens.len(), |p| i + p);
                let mut leaves = Vec::new();
                use_tree(&tokens[i + 1..end], Vec::new(), &mut leaves);
                for (relative, name) in leaves {
                    let Some(absolute) = absolute(&here, &relative, &module.children) else {
                        continue;
                    };
                    if let (Some(name), true) = (name, inline.is_empty()) {
                        module.imports.insert(name, absolute.clone());
                    }
                    module.mentions.push(absolute);
                }
                i = end;
            }
            Token::Ident(first) if ["crate", "super", "self"].contains(&first.as_str()) => {
                let mut segments = vec![first.clone()];
                let mut j = i + 1;
                while let (Some(Token::PathSep), Some(Token::Ident(s))) =
                    (tokens.get(j), tokens.get(j + 1))
                {
                    segments.push(s.clone());
                    j += 2;
                }
                if segments.len() > 1
                    && let Some(absolute) = absolute(&here, &segments, &module.children)
                {
                    module.mentions.push(absolute);
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    module
}

/// The leaves of a use tree: each full path and the name it binds (`None` for `*`).
fn use_tree(tokens: &[Token], prefix: Vec<String>, out: &mut Vec<(Vec<String>, Option<String>)>) {
    let mut path = prefix;
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Token::Ident(s) if s == "as" => {
                if let Some(Token::Ident(alias)) = tokens.get(i + 1) {
                    out.push((path, Some(alias.clone())));
                }
                return;
            }
            Token::Ident(s) => path.push(s.clone()),
            Token::PathSep => {}
            Token::Punct('*') => {
                out.push((path, None));
                return;
            }
            Token::Punct('{') => {
                // Split the group's content at its top-level commas.
                let mut level = 0;
                let mut start = i + 1;
                for (k, t) in tokens.iter().enumerate().skip(i + 1) {
                    match t {
                        Token::Punct('{') => level += 1,
                        Token::Punct('}') if level == 0 => {
                            if start < k {
                                use_tree(&tokens[start..k], path.clone(), out);
                            }
                            return;
                        }
                        Token::Punct('}') => level -= 1,
                        Token::Punct(',') if level == 0 => {
                            if start < k {
                                use_tree(&tokens[start..k], path.clone(), out);
                            }
                            start = k + 1;
                        }
                        _ => {}
                    }
                }
                return;
            }
            _ => {}
        }
        i += 1;
    }
    // `use a::b::self` binds `b`.
    if path.last().is_some_and(|s| s == "self") {
        path.pop();
    }
    let name = path.last().cloned();
    out.push((path, name));
}

/// `relative` (as written in module `here`) from the crate root, or `None` for another crate's path.
fn absolute(here: &ModPath, relative: &[String], children: &BTreeSet<String>) -> Option<ModPath> {
    let mut base = here.clone();
    let mut rest = relative;
    match relative.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &relative[1..];
        }
        Some("self") => rest = &relative[1..],
        Some("super") => {
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        // A child module of this one (2018 paths: `use calls::X` in a `mod.rs`).
        Some(first) if children.contains(first) => {}
        _ => return None,
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The layering of a crate's top-level modules, bottom first, and its allowances.
pub struct Layers<'a> {
    /// Each layer's top-level modules; a module may use only modules of lower layers.
    pub layers: &'a [&'a [&'a str]],
    /// Edges between nested siblings tolerated for now (`from`, `to`): each must still exist.
    pub allowed: &'a [(&'a str, &'a str)],
}

impl Layers<'_> {
    /// Every breach in the crate at `src`: a top-level module not in a layer, a use of a module of
    /// the same or a higher layer, a cycle among nested siblings, an allowance that is not needed.
    pub fn breaches(&self, src: &Path) -> Vec<String> {
        let krate = Crate::read(src);
        let layer_of = |m: &str| self.layers.iter().position(|l| l.contains(&m));
        let mut out = Vec::new();
        for module in krate.modules().filter(|m| m.len() == 1) {
            if layer_of(&module[0]).is_none() {
                out.push(format!("module {} is in no layer", module[0]));
            }
        }
        for module in self.layers.iter().flat_map(|l| l.iter()) {
            if !krate.modules().any(|m| m.len() == 1 && m[0] == *module) {
                out.push(format!("layer module {module} does not exist"));
            }
        }
        let edges = krate.edges();
        let mut nested: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for edge in &edges {
            if self
                .allowed
                .contains(&(edge.from.as_str(), edge.to.as_str()))
            {
                continue;
            }
            if !edge.from.contains("::") {
                let (from, to) = (layer_of(&edge.from), layer_of(&edge.to));
                if from.is_some() && to.is_some() && to >= from {
                    out.push(format!(
                        "{} uses {}, which is not in a lower layer",
                        edge.from, edge.to
                    ));
                }
            } else {
                nested
                    .entry(edge.from.clone())
                    .or_default()
                    .insert(edge.to.clone());
            }
        }
        for (from, to) in self.allowed {
            let edge = Edge {
                from: (*from).to_owned(),
                to: (*to).to_owned(),
            };
            if !edges.contains(&edge) {
                out.push(format!("{from} no longer uses {to}: remove the allowance"));
            }
        }
        out.extend(
            cycles(&nested)
                .into_iter()
                .map(|c| format!("cycle: {}", c.join(" → "))),
        );
        out
    }
}

/// The cycles of a graph, one per strongly connected component (each as a path back to its start).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut done: BTreeSet<String> = BTreeSet::new();
    for start in graph.keys() {
        if done.contains(start) {
            continue;
        }
        // A path from `start` back to it, by depth-first search.
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((node, path)) = stack.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if next == start {
                    let mut cycle = path.clone();
                    cycle.push(start.clone());
                    done.extend(cycle.iter().cloned());
                    found.push(cycle);
                    stack.clear();
                    break;
                }
                if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    found
}
