#include "adminsocket.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <asio/read_until.hpp>
#include <asio/write.hpp>
#include <memory>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

namespace longline::server {

namespace {

struct AdminExchange : std::enable_shared_from_this<AdminExchange>
{
    AdminExchange(asio::local::stream_protocol::socket s, const AdminSocket::Handler &handler)
        : socket(std::move(s)), handler(handler)
    {
    }
    void start()
    {
        asio::async_read_until(
            socket, asio::dynamic_buffer(command, AdminSocket::MaxCommandBytes), '\n',
            [self = shared_from_this()](const std::error_code &ec, size_t n) {
                if (ec)
                    return;
                self->handler(
                    QString::fromUtf8(self->command.data(), static_cast<qsizetype>(n)).trimmed(),
                    [self](QByteArray answer) { self->reply(std::move(answer)); });
            });
    }
    void reply(QByteArray text)
    {
        answer = std::move(text);
        asio::async_write(socket,
                          asio::buffer(answer.constData(), static_cast<size_t>(answer.size())),
                          [self = shared_from_this()](const std::error_code &, size_t) {
                              std::error_code ignored;
                              self->socket.close(ignored);
                          });
    }
    asio::local::stream_protocol::socket socket;
    const AdminSocket::Handler &handler;
    std::string command;
    QByteArray answer;
};

} // namespace

AdminSocket::AdminSocket(asio::io_context &io, Handler handler)
    : m_handler(std::move(handler)), m_acceptor(io), m_retry(io)
{
}

AdminSocket::~AdminSocket()
{
    close();
}

QString AdminSocket::defaultPath()
{
    const QString runtime = qEnvironmentVariable("RUNTIME_DIRECTORY");
    if (!runtime.isEmpty())
        return runtime.split(QLatin1Char(':')).constFirst() + QStringLiteral("/admin.sock");
    if (QFileInfo(QStringLiteral("/run/longline")).isDir())
        return QStringLiteral("/run/longline/admin.sock");
    const QString xdg = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (!xdg.isEmpty())
        return xdg + QStringLiteral("/longline-server.sock");
    return QStringLiteral("/tmp/longline-server-%1.sock").arg(::getuid());
}

bool AdminSocket::request(const QString &path, const QString &command, QByteArray *answer,
                          QString *error)
{
    asio::io_context io;
    asio::local::stream_protocol::socket socket(io);
    std::error_code ec;
    socket.connect(asio::local::stream_protocol::endpoint(path.toStdString()), ec);
    if (ec) {
        *error = QStringLiteral("no server answers at %1 (%2); is longline-server running, and "
                                "is this its --admin-socket?")
                     .arg(path, QString::fromStdString(ec.message()));
        return false;
    }
    // A server that accepted but never answers must not hang the caller.
    timeval limit{RequestTimeoutS, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
    const QByteArray line = command.toUtf8() + '\n';
    asio::write(socket, asio::buffer(line.constData(), static_cast<size_t>(line.size())), ec);
    answer->clear();
    char buffer[4096];
    while (!ec) {
        const size_t n = socket.read_some(asio::buffer(buffer), ec);
        answer->append(buffer, static_cast<qsizetype>(n));
    }
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
        *error = QStringLiteral("no answer from %1 in %2 s").arg(path).arg(RequestTimeoutS);
        return false;
    }
    if (ec != asio::error::eof) {
        *error = QStringLiteral("reading the answer: %1").arg(QString::fromStdString(ec.message()));
        return false;
    }
    return true;
}

bool AdminSocket::listen(const QString &path, QString *error)
{
    const std::string file = path.toStdString();
    struct stat st;
    if (::lstat(file.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode)) {
        *error = QStringLiteral("%1 exists and is not a socket; refusing to replace it").arg(path);
        return false;
    }
    if (QFileInfo::exists(path)) {
        // A live server answers: do not steal its socket. A stale file goes.
        asio::io_context probe;
        asio::local::stream_protocol::socket s(probe);
        std::error_code ec;
        s.connect(asio::local::stream_protocol::endpoint(file), ec);
        if (!ec) {
            *error =
                QStringLiteral("another server already answers at the admin socket %1").arg(path);
            return false;
        }
        QFile::remove(path);
    }
    QDir().mkpath(QFileInfo(path).absolutePath());
    std::error_code ec;
    const mode_t old = ::umask(0077); // 0600, like the state directory's 0700
    m_acceptor.open(asio::local::stream_protocol(), ec);
    if (!ec)
        m_acceptor.bind(asio::local::stream_protocol::endpoint(file), ec);
    ::umask(old);
    if (!ec)
        m_acceptor.listen(16, ec);
    if (ec) {
        *error = QStringLiteral("cannot open the admin socket %1: %2")
                     .arg(path, QString::fromStdString(ec.message()));
        m_acceptor.close(ec);
        return false;
    }
    m_path = path;
    accept();
    return true;
}

void AdminSocket::close()
{
    if (!m_acceptor.is_open())
        return;
    std::error_code ignored;
    m_acceptor.close(ignored);
    m_retry.cancel();
    if (!m_path.isEmpty())
        QFile::remove(m_path);
}

void AdminSocket::accept()
{
    m_acceptor.async_accept(
        [this](const std::error_code &ec, asio::local::stream_protocol::socket socket) {
            if (ec == asio::error::operation_aborted || !m_acceptor.is_open())
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
            std::make_shared<AdminExchange>(std::move(socket), m_handler)->start();
            accept();
        });
}

} // namespace longline::server
