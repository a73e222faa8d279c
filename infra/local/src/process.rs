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
                        let _ = reply.send(spawn_with_death_signal(&mut cmd));
                    }
                    // The sender lives in a static: this loop ends only with the process.
                })
                .expect("spawn the launcher thread");
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
#[allow(unsafe_code)] // PR_SET_PDEATHSIG in pre_exec: the one unsafe block of the product
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
