//! An identity-based policy and its evaluation as IAM does it: an explicit `Deny` that applies wins,
//! else an `Allow` that applies allows, else the request is implicitly denied. Actions match
//! case-insensitively, resources case-sensitively; in both `*` matches any run of characters (`/`
//! included) and `?` one character.

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// The patterns of `Action`/`Resource` (`Listed`) or `NotAction`/`NotResource` (`AllBut`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Patterns {
    /// Applies to what matches one of them.
    Listed(Vec<String>),
    /// Applies to what matches none of them.
    AllBut(Vec<String>),
}

impl Patterns {
    fn applies(&self, value: &str, case_sensitive: bool) -> bool {
        let any = |list: &[String]| list.iter().any(|p| glob(p, value, case_sensitive));
        match self {
            Patterns::Listed(list) => any(list),
            Patterns::AllBut(list) => !any(list),
        }
    }

    /// The patterns themselves.
    pub fn patterns(&self) -> &[String] {
        match self {
            Patterns::Listed(list) | Patterns::AllBut(list) => list,
        }
    }
}

/// One statement (no `Condition`: a template that has one is refused when it is read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub effect: Effect,
    pub action: Patterns,
    pub resource: Patterns,
}

impl Statement {
    /// `effect` for `actions` on `resources`.
    pub fn new(effect: Effect, actions: &[&str], resources: &[&str]) -> Self {
        let own = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
        Self {
            effect,
            action: Patterns::Listed(own(actions)),
            resource: Patterns::Listed(own(resources)),
        }
    }

    /// Whether it applies to `action` on `resource`.
    pub fn applies(&self, action: &str, resource: &str) -> bool {
        self.action.applies(action, false) && self.resource.applies(resource, true)
    }
}

/// What IAM decides for one (action, resource).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// No statement allows it.
    ImplicitDeny,
    /// A `Deny` statement applies.
    ExplicitDeny,
}

/// One (action, resource) pair that a request needs allowed, e.g. `dynamodb:PutItem` on a table ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub action: String,
    pub resource: String,
}

impl Check {
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            resource: resource.into(),
        }
    }
}

/// A refused check, and whether a `Deny` refused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub check: Check,
    pub explicit: bool,
}

impl Denial {
    /// IAM's message for `principal` (an assumed-role ARN), as DynamoDB returns it.
    pub fn message(&self, principal: &str) -> String {
        let Check { action, resource } = &self.check;
        let why = if self.explicit {
            "with an explicit deny in an identity-based policy".to_owned()
        } else {
            format!("because no identity-based policy allows the {action} action")
        };
        format!(
            "User: {principal} is not authorized to perform: {action} on resource: {resource} {why}"
        )
    }
}

/// The statements of every policy attached to one role.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    pub statements: Vec<Statement>,
}

impl Policy {
    pub fn new(statements: Vec<Statement>) -> Self {
        Self { statements }
    }

    /// IAM's decision for `action` on `resource`.
    pub fn decide(&self, action: &str, resource: &str) -> Decision {
        let applying = |effect| {
            self.statements
                .iter()
                .any(|s| s.effect == effect && s.applies(action, resource))
        };
        if applying(Effect::Deny) {
            Decision::ExplicitDeny
        } else if applying(Effect::Allow) {
            Decision::Allowed
        } else {
            Decision::ImplicitDeny
        }
    }

    /// Allows a request only if every check is allowed; else the first refused check, in order (a
    /// transaction is refused whole).
    pub fn authorize(&self, checks: &[Check]) -> Result<(), Denial> {
        for check in checks {
            let explicit = match self.decide(&check.action, &check.resource) {
                Decision::Allowed => continue,
                Decision::ImplicitDeny => false,
                Decision::ExplicitDeny => true,
            };
            return Err(Denial {
                check: check.clone(),
                explicit,
            });
        }
        Ok(())
    }
}

/// IAM's wildcard match of `value` against `pattern` (`*`: any run, `/` included; `?`: one char).
pub fn glob(pattern: &str, value: &str, case_sensitive: bool) -> bool {
    let fold = |s: &str| -> Vec<char> {
        if case_sensitive {
            s.chars().collect()
        } else {
            s.chars().flat_map(char::to_lowercase).collect()
        }
    };
    let (p, v) = (fold(pattern), fold(value));
    // Iterative matching with backtracking to the last `*`.
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, vi));
                pi += 1;
            }
            Some(c) if *c == '?' || *c == v[vi] => {
                pi += 1;
                vi += 1;
            }
            _ => match star {
                Some((sp, sv)) => {
                    pi = sp + 1;
                    vi = sv + 1;
                    star = Some((sp, sv + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}
