#pragma once
// The operator's local control socket (`longline-server status`, `kick`,
// `ban`, `unban`): a Unix stream socket, mode 0600 like the state
// directory, where each connection sends one command line and gets the
// answer, then the server closes. The commands themselves are the
// owner's (NetServer::adminCommand); this only carries them.

#include <QByteArray>
#include <QString>
#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>
#include <functional>

namespace longline::server {

class AdminSocket
{
public:
    // Calls `answer` with the whole answer, then or later (on the thread
    // that turns the context).
    using Handler =
        std::function<void(const QString &command, std::function<void(QByteArray)> answer)>;
    static constexpr size_t MaxCommandBytes = 1024;
    // How long request() waits for the server to take the command and answer.
    static constexpr int RequestTimeoutS = 30;

    AdminSocket(asio::io_context &io, Handler handler);
    ~AdminSocket();
    // Replaces a stale socket file left by a process that is gone; refuses
    // when another server still answers there.
    bool listen(const QString &path, QString *error);
    void close();

    // The path when none is configured: $RUNTIME_DIRECTORY/admin.sock
    // under systemd (/run/longline with the packaged unit), else
    // /run/longline/admin.sock when that directory exists, else
    // $XDG_RUNTIME_DIR/longline-server.sock, else /tmp/longline-server-UID.sock.
    static QString defaultPath();
    // The client side: sends `command`, returns the answer (false with
    // *error when no server answers at `path`).
    static bool request(const QString &path, const QString &command, QByteArray *answer,
                        QString *error);

private:
    void accept();

    Handler m_handler;
    asio::local::stream_protocol::acceptor m_acceptor;
    asio::steady_timer m_retry;
    QString m_path;
};

} // namespace longline::server
