#pragma once
// The --metrics endpoint: a minimal HTTP/1.1 responder on the server's own
// event loop that answers GET /metrics with Prometheus text and closes.
// Qt HttpServer would need a Qt event loop the server does not run (see
// docs/architecture.md); a scrape is one request, so a few lines of Asio do.

#include <QByteArray>
#include <QHostAddress>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <functional>

namespace longline::server {

class HttpMetrics
{
public:
    using Render = std::function<QByteArray()>;
    // A request must arrive whole within this long and this many bytes.
    static constexpr size_t MaxRequestBytes = 8192;
    static constexpr int RequestTimeoutS = 5;

    HttpMetrics(asio::io_context &io, Render render);
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    quint16 port() const { return m_port; }
    void close();

private:
    void accept();

    asio::io_context &m_io;
    Render m_render;
    asio::ip::tcp::acceptor m_acceptor;
    asio::steady_timer m_retry;
    quint16 m_port = 0;
};

} // namespace longline::server
