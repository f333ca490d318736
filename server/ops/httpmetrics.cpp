#include "httpmetrics.h"

#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <memory>
#include <string>

namespace longline::server {

namespace {

// One scrape: read the request head, answer, close. Its lifetime is held
// by the pending operation, as in the Asio examples.
struct Exchange : std::enable_shared_from_this<Exchange>
{
    Exchange(asio::ip::tcp::socket s, const HttpMetrics::Render &render)
        : socket(std::move(s)), timer(socket.get_executor()), render(render)
    {
    }
    void start()
    {
        timer.expires_after(std::chrono::seconds(HttpMetrics::RequestTimeoutS));
        timer.async_wait([self = shared_from_this()](const std::error_code &ec) {
            if (!ec) {
                std::error_code ignored;
                self->socket.close(ignored);
            }
        });
        asio::async_read_until(socket, asio::dynamic_buffer(request, HttpMetrics::MaxRequestBytes),
                               "\r\n\r\n",
                               [self = shared_from_this()](const std::error_code &ec, size_t) {
                                   if (ec) {
                                       self->timer.cancel();
                                       return;
                                   }
                                   self->answer();
                               });
    }
    void answer()
    {
        const bool get = request.rfind("GET ", 0) == 0;
        const size_t pathEnd = request.find(' ', 4);
        const std::string path =
            get && pathEnd != std::string::npos ? request.substr(4, pathEnd - 4) : std::string();
        QByteArray body;
        QByteArray status = "200 OK";
        QByteArray type = "text/plain; version=0.0.4; charset=utf-8";
        if (!get) {
            status = "405 Method Not Allowed";
            body = "only GET\n";
        } else if (path == "/metrics" || path.rfind("/metrics?", 0) == 0) {
            body = render();
        } else if (path == "/") {
            type = "text/plain; charset=utf-8";
            body = "longline-server: see /metrics\n";
        } else {
            status = "404 Not Found";
            body = "not found; try /metrics\n";
        }
        response = "HTTP/1.1 " + status + "\r\nContent-Type: " + type +
                   "\r\nContent-Length: " + QByteArray::number(body.size()) +
                   "\r\nConnection: close\r\n\r\n" + body;
        asio::async_write(socket,
                          asio::buffer(response.constData(), static_cast<size_t>(response.size())),
                          [self = shared_from_this()](const std::error_code &, size_t) {
                              std::error_code ignored;
                              self->socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
                              self->socket.close(ignored);
                              self->timer.cancel();
                          });
    }

    asio::ip::tcp::socket socket;
    asio::steady_timer timer;
    const HttpMetrics::Render &render;
    std::string request;
    QByteArray response;
};

} // namespace

HttpMetrics::HttpMetrics(asio::io_context &io, Render render)
    : m_io(io), m_render(std::move(render)), m_acceptor(io), m_retry(io)
{
}

bool HttpMetrics::listen(const QHostAddress &address, quint16 port, QString *error)
{
    std::error_code ec;
    const auto ip = asio::ip::make_address(address.toString().toStdString(), ec);
    if (ec) {
        *error = QStringLiteral("metrics: bad address %1").arg(address.toString());
        return false;
    }
    const asio::ip::tcp::endpoint endpoint(ip, port);
    m_acceptor.open(endpoint.protocol(), ec);
    if (!ec)
        m_acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec)
        m_acceptor.bind(endpoint, ec);
    if (!ec)
        m_acceptor.listen(64, ec);
    if (ec) {
        *error = QStringLiteral("cannot serve metrics on %1:%2: %3")
                     .arg(address.toString())
                     .arg(port)
                     .arg(QString::fromStdString(ec.message()));
        m_acceptor.close(ec);
        return false;
    }
    m_port = m_acceptor.local_endpoint(ec).port();
    accept();
    return true;
}

void HttpMetrics::close()
{
    std::error_code ignored;
    m_acceptor.close(ignored);
    m_retry.cancel();
}

void HttpMetrics::accept()
{
    m_acceptor.async_accept(m_io, [this](const std::error_code &ec, asio::ip::tcp::socket socket) {
        if (ec == asio::error::operation_aborted)
            return;
        if (ec) {
            // Out of descriptors, say: try again a little later, not at once.
            m_retry.expires_after(std::chrono::milliseconds(200));
            m_retry.async_wait([this](const std::error_code &e) {
                if (!e)
                    accept();
            });
            return;
        }
        std::make_shared<Exchange>(std::move(socket), m_render)->start();
        accept();
    });
}

} // namespace longline::server
