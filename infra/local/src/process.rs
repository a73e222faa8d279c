//! Child processes that never outlive this one: each is spawned from one long-lived launcher thread
//! with the parent-death signal set; and free loopback ports to start them on.

use std::io;
use std::net::TcpListener;
use std::process::{Child, Command};
use std::sync::Mutex;
use std::sync::mpsc;

/// A port nothing listens on now (the OS's choice).
pub(crate) fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
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
                .name("dynamodb-local-launcher".into())
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
