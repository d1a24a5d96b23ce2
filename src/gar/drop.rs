//! The GAR's SFTP drop, played by the harness with Debian's OpenSSH server
//! (`sshd`, `internal-sftp`): the candidate pushes its export there as it
//! pushes it to the GAR every night. The server runs for the whole run, in
//! a folder of its own, accepting only the candidate's declared public key
//! and only SFTP into the drop folder; stopping the drop stops it.
//!
//! The drop only receives and hands over files; reading them is
//! `archive`'s job.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian installs the server (package openssh-server).
const SSHD: &str = "/usr/sbin/sshd";

/// Problems starting the drop.
#[derive(Debug, thiserror::Error)]
pub enum DropError {
    /// A file of the drop's folder.
    #[error("dépôt SFTP : {path} : {reason}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A program (sshd, ssh-keygen, id) failed or is missing.
    #[error("dépôt SFTP : {program} : {reason} (paquets Debian openssh-server et openssh-client)")]
    Program {
        /// The program.
        program: String,
        /// Why.
        reason: String,
    },
}

/// An SFTP server accepting the candidate's pushes; dropping it stops it.
#[derive(Debug)]
pub struct SftpDrop {
    root: PathBuf,
    inbox: PathBuf,
    child: Child,
    addr: SocketAddr,
    user: String,
}

fn io(path: &Path, error: &std::io::Error) -> DropError {
    DropError::Io {
        path: path.display().to_string(),
        reason: error.to_string(),
    }
}

fn run(program: &str, args: &[&str]) -> Result<String, DropError> {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|error| DropError::Program {
            program: program.to_owned(),
            reason: error.to_string(),
        })?;
    if !output.status.success() {
        return Err(DropError::Program {
            program: program.to_owned(),
            reason: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

impl SftpDrop {
    /// Starts `sshd` on `listen`, accepting `authorized_key` (one OpenSSH
    /// public key line) for the account running the harness: an unprivileged
    /// `sshd` can only log its own user in.
    pub fn start(listen: SocketAddr, authorized_key: &str) -> Result<Self, DropError> {
        let user = run("id", &["-un"])?;
        let root = std::env::temp_dir().join(format!(
            "entconf-depot-sftp-{}-{}",
            std::process::id(),
            crate::idp::random_token().get(..8).unwrap_or("0")
        ));
        let inbox = root.join("depot");
        std::fs::create_dir_all(&inbox).map_err(|e| io(&inbox, &e))?;
        let host_key = root.join("cle-hote");
        let host_key_text = host_key.display().to_string();
        run(
            "ssh-keygen",
            &["-q", "-t", "ed25519", "-N", "", "-f", &host_key_text],
        )?;
        let keys = root.join("authorized_keys");
        // Whatever the key line asks, no shell, no forwarding.
        let line = format!("restrict {}\n", authorized_key.trim());
        std::fs::write(&keys, line).map_err(|e| io(&keys, &e))?;
        let config = root.join("sshd_config");
        let text = format!(
            "ListenAddress {listen}\nHostKey {host}\nAuthorizedKeysFile {keys}\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
             StrictModes no\nPidFile none\nPermitRootLogin prohibit-password\nAllowUsers {user}\n\
             Subsystem sftp internal-sftp\nForceCommand internal-sftp -d {inbox}\n",
            host = host_key.display(),
            keys = keys.display(),
            inbox = inbox.display(),
        );
        std::fs::write(&config, text).map_err(|e| io(&config, &e))?;
        if user == "root" {
            // Privilege separation wants this folder; a container that never
            // started the ssh service lacks it.
            let _ = std::fs::create_dir_all("/run/sshd");
        }
        let log = root.join("sshd.log");
        let log_file = std::fs::File::create(&log).map_err(|e| io(&log, &e))?;
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .map_err(|error| DropError::Program {
                program: SSHD.to_owned(),
                reason: error.to_string(),
            })?;
        let mut drop = Self {
            root,
            inbox,
            child,
            addr: listen,
            user,
        };
        drop.wait_listening(&log)?;
        Ok(drop)
    }

    fn wait_listening(&mut self, log: &Path) -> Result<(), DropError> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(DropError::Program {
                    program: SSHD.to_owned(),
                    reason: format!(
                        "arrêté ({status}) : {}",
                        std::fs::read_to_string(log).unwrap_or_default().trim()
                    ),
                });
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(DropError::Program {
            program: SSHD.to_owned(),
            reason: format!("n'écoute pas sur {} après 10 s", self.addr),
        })
    }

    /// The account the candidate logs in as.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// How the candidate reaches the drop: `sftp://user@host:port/`.
    pub fn url(&self) -> String {
        format!("sftp://{}@{}/", self.user, self.addr)
    }

    /// Empties the drop (before asking for a push).
    pub fn clear(&self) {
        for (path, _) in self.files() {
            let _ = std::fs::remove_file(path);
        }
    }

    fn files(&self) -> Vec<(PathBuf, u64)> {
        let Ok(entries) = std::fs::read_dir(&self.inbox) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let meta = e.metadata().ok()?;
                meta.is_file().then(|| (e.path(), meta.len()))
            })
            .collect()
    }

    /// Waits until the drop holds an archive and its `.md5` (the candidate
    /// sends the checksum last, as gar-connector does) whose sizes stopped
    /// changing; returns the archive's name and bytes (at most `limit`) and
    /// the `.md5` text.
    pub fn wait_for_export(
        &self,
        within: Duration,
        limit: u64,
    ) -> Result<(String, Vec<u8>, String), String> {
        let started = Instant::now();
        let mut last = Vec::new();
        loop {
            let mut files = self.files();
            files.sort();
            let archive = files.iter().find(|(p, _)| {
                let md5 = format!("{}.md5", p.display());
                p.to_string_lossy().ends_with(".tar.gz")
                    && files.iter().any(|(m, _)| m.as_os_str() == md5.as_str())
            });
            if let Some((path, size)) = archive.filter(|_| files == last) {
                if *size > limit {
                    return Err(format!("archive de {size} octets, au-delà de {limit}"));
                }
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
                let md5 = std::fs::read(format!("{}.md5", path.display()))
                    .map(|b| String::from_utf8_lossy(&b[..b.len().min(4096)]).into_owned())
                    .map_err(|e| e.to_string())?;
                return Ok((name, bytes, md5));
            }
            if started.elapsed() > within {
                let names: Vec<String> = files
                    .iter()
                    .filter_map(|(p, _)| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .collect();
                return Err(format!(
                    "aucune archive et son .md5 déposées en {} s (dépôt : {})",
                    within.as_secs(),
                    if names.is_empty() {
                        "vide".to_owned()
                    } else {
                        names.join(", ")
                    }
                ));
            }
            last = files;
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for SftpDrop {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
