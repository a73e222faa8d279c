//! Child processes that never outlive this one: each is spawned from one long-lived launcher thread
//! with the parent-death signal set; free loopback ports to start them on, and the servers started so.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command};
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A port nothing listens on now (the OS's choice).
pub(crate) fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A child process serving on a loopback port: killed and reaped when dropped (and killed by the
/// kernel if this process dies first).
#[derive(Debug)]
pub(crate) struct Served {
    child: Child,
    /// The port it listens on.
    pub(crate) port: u16,
}

impl Served {
    /// Starts the command `make(port)` builds, on a free loopback port, with the parent-death signal,
    /// and waits until it listens (within `within`); three tries, as a free port may be taken
    /// meanwhile. `what` names the program in errors.
    pub(crate) fn start(
        make: impl Fn(u16) -> io::Result<Command>,
        what: &str,
        within: Duration,
    ) -> Result<Self, String> {
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port().map_err(|e| e.to_string())?;
            let cmd = make(port).map_err(|e| e.to_string())?;
            let mut child = spawn_guarded(cmd).map_err(|e| format!("{what}: {e}"))?;
            match wait_listening(&mut child, port, what, within) {
                Ok(()) => return Ok(Self { child, port }),
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last = e;
                }
            }
        }
        Err(last)
    }

    /// Its process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `child` (the program `what`) accepts connections on loopback `port`, within `within`;
/// an exit first is an error with what it wrote to stderr. Then drains its stderr for good.
fn wait_listening(
    child: &mut Child,
    port: u16,
    what: &str,
    within: Duration,
) -> Result<(), String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                use std::io::Read;
                let _ = stderr.read_to_string(&mut err);
            }
            return Err(format!("{what} exited with {status}: {}", err.trim()));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            // Another process may have taken the free port meanwhile (a busy machine runs many
            // stacks): its listener is not ours, so this start fails and the caller tries another.
            if !listens_itself(child.id(), port) {
                return Err(format!("port {port} was taken by another process"));
            }
            // Nobody reads stderr from here on; a full pipe must never block the child.
            if let Some(stderr) = child.stderr.take() {
                std::thread::spawn(move || {
                    io::copy(&mut io::BufReader::new(stderr), &mut io::sink())
                });
            }
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "nothing listened on port {port} within {} s",
        within.as_secs()
    ))
}

/// Whether process `pid` holds the listening socket on loopback `port` (from `/proc/net/tcp{,6}` and
/// its file descriptors); `true` where `/proc` cannot tell.
fn listens_itself(pid: u32, port: u16) -> bool {
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            return true;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // local_address is "ADDR:PORT" in hex; state 0A is LISTEN; the inode is field 9.
            let (Some(local), Some(state), Some(inode)) =
                (fields.get(1), fields.get(3), fields.get(9))
            else {
                continue;
            };
            let listening_port = local
                .rsplit_once(':')
                .and_then(|(_, p)| u16::from_str_radix(p, 16).ok());
            if *state == "0A" && listening_port == Some(port) {
                inodes.push(format!("socket:[{inode}]"));
            }
        }
    }
    if inodes.is_empty() {
        return true;
    }
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return true;
    };
    fds.filter_map(Result::ok)
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .any(|target| inodes.iter().any(|i| target.as_os_str() == i.as_str()))
}

/// Like [`spawn_guarded`], in a new process group (so that the group can be killed at once).
pub(crate) fn spawn_guarded_group(mut cmd: Command) -> io::Result<Child> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    spawn_guarded(cmd)
}

type SpawnRequest = (Command, mpsc::Sender<io::Result<Child>>);

/// Spawns `cmd` from a launcher thread that lives as long as the process, with the parent-death
/// signal set: the child is killed when this process ends, even by a panic, abort or SIGKILL.
pub(crate) fn spawn_guarded(cmd: Command) -> io::Result<Child> {
    static LAUNCHER: Mutex<Option<mpsc::Sender<SpawnRequest>>> = Mutex::new(None);
    let sender = {
        let mut slot = LAUNCHER.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert_with(|| {
            let (tx, rx) = mpsc::channel::<SpawnRequest>();
            std::thread::Builder::new()
                .name("local-launcher".into())
                .spawn(move || {
                    for (mut cmd, reply) in rx {
                        let spawned = spawn_with_death_signal(&mut cmd);
                        if let Ok(child) = &spawned {
                            exit_reaper::track(child.id());
                        }
                        let _ = reply.send(spawned);
                    }
                    // The sender lives in a static: this loop ends only with the process.
                })
                .expect("spawn the launcher thread");
            exit_reaper::install();
            tx
        })
        .clone()
    };
    let (reply, answer) = mpsc::channel();
    sender
        .send((cmd, reply))
        .map_err(|_| io::Error::other("launcher thread is gone"))?;
    answer
        .recv()
        .map_err(|_| io::Error::other("launcher thread is gone"))?
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)] // PR_SET_PDEATHSIG in pre_exec
fn spawn_with_death_signal(cmd: &mut Command) -> io::Result<Child> {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: prctl and getppid are async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(io::Error::last_os_error());
            }
            // The parent may have died before prctl took effect.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    cmd.spawn()
}

#[cfg(not(target_os = "linux"))]
fn spawn_with_death_signal(cmd: &mut Command) -> io::Result<Child> {
    cmd.spawn()
}

/// Child process ids of `pid` (from `/proc/<pid>/task/*/children`).
pub(crate) fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for task in tasks.filter_map(Result::ok) {
            if let Ok(text) = std::fs::read_to_string(task.path().join("children")) {
                out.extend(
                    text.split_whitespace()
                        .filter_map(|p| p.parse::<u32>().ok()),
                );
            }
        }
    }
    out
}

/// Kills and reaps this process's guarded children when it exits normally (a test binary's servers
/// live in statics, which are never dropped). The parent-death signal alone kills them but leaves each
/// a zombie for whatever reaps orphans, and a CI container's init may never do so.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)] // atexit, kill and waitpid: exit-time cleanup of our own children
mod exit_reaper {
    use std::sync::{Mutex, Once};

    static GUARDED: Mutex<Vec<u32>> = Mutex::new(Vec::new());

    /// Remembers `pid` to reap at exit.
    pub(super) fn track(pid: u32) {
        let mut pids = GUARDED.lock().unwrap_or_else(|e| e.into_inner());
        pids.retain(|&p| parent_of(p) == Some(std::process::id()));
        pids.push(pid);
    }

    /// Registers the exit hook once.
    pub(super) fn install() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            // SAFETY: registers a plain `extern "C"` function; a failure only loses the cleanup.
            unsafe {
                libc::atexit(reap);
            }
        });
    }

    extern "C" fn reap() {
        let Ok(pids) = GUARDED.try_lock() else { return };
        let me = std::process::id();
        for &pid in pids.iter() {
            // Only a child of ours: a pid reaped earlier (by `Drop`) may belong to anyone now.
            if parent_of(pid) != Some(me) {
                continue;
            }
            let Ok(pid) = libc::pid_t::try_from(pid) else {
                continue;
            };
            // SAFETY: signals and reaps our own child; a null status pointer is allowed.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, std::ptr::null_mut(), 0);
            }
        }
    }

    /// The parent pid of `pid` from `/proc/<pid>/stat` (the field after the parenthesised name).
    fn parent_of(pid: u32) -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let after_name = &stat[stat.rfind(')')? + 1..];
        after_name.split_whitespace().nth(1)?.parse().ok()
    }
}

#[cfg(not(target_os = "linux"))]
mod exit_reaper {
    pub(super) fn track(_pid: u32) {}
    pub(super) fn install() {}
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_listener_is_told_apart_from_another_processs() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(listens_itself(std::process::id(), port), "ours");
        let mut other = Command::new("sleep").arg("5").spawn().unwrap();
        assert!(!listens_itself(other.id(), port), "not the sleeper's");
        let _ = other.kill();
        let _ = other.wait();
    }
}
