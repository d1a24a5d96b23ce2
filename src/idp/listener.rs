//! The loopback servers of the national services the harness plays (the
//! IdPs, the GAR web service): one task accepts connections and owns them,
//! so that dropping the handle ends the server and every connection.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// A server listening; dropping it stops it.
#[derive(Debug)]
pub(crate) struct Listening {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Listening {
    /// The address listened on (the port chosen when 0 was asked).
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds `addr`, then hands every accepted connection to `connection`.
pub(crate) async fn listen<F, Fut>(addr: SocketAddr, connection: F) -> std::io::Result<Listening>
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _peer)) => {
                        connections.spawn(connection(stream));
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                },
                Some(_finished) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    });
    Ok(Listening { addr, task })
}

/// Serves `app` over HTTP/1.1 on one connection (plain or TLS).
pub(crate) async fn serve_http<I>(io: I, app: Router)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let _closed = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(io), TowerToHyperService::new(app))
        .await;
}
