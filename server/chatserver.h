#pragma once
// The listening side of longline-server: accepts connections, enforces the
// connection limits, gives each client a ClientSession wired to the
// ChatRoom, logs every connection event, and shuts down cleanly.

#include "chatroom.h"
#include "clientsession.h"
#include "serverconfig.h"
#include "tlsserver.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QTcpServer>
#include <QTimer>
#include <chrono>

namespace longline::server {

using namespace std::chrono_literals;

class HistoryStore;
class ServerLog;

class ChatServer : public QObject
{
    Q_OBJECT
public:
    enum class State
    {
        Idle,
        Running,
        ShuttingDown,
        Stopped
    };

    // Pending connections the kernel may queue before accept().
    static constexpr int ListenBacklog = 4096;
    // How long clients get to take their BYE at shutdown before we cut.
    static constexpr Millis ShutdownGrace = 3s;

    ChatServer(const ServerConfig &config, HistoryStore &store, ServerLog &log,
               QObject *parent = nullptr);
    ~ChatServer() override;

    bool listen(QString *error);
    QHostAddress serverAddress() const { return m_server.serverAddress(); }
    quint16 serverPort() const { return m_server.serverPort(); }
    State state() const { return m_state; }
    int clientCount() const { return static_cast<int>(m_sessions.size()); }

    // Stops accepting, says "BYE server shutting down" to every client and
    // emits stopped() once all are gone (or ShutdownGrace passed).
    void shutdown(const QString &why);

Q_SIGNALS:
    void stopped();

private:
    void onNewConnection();
    void reject(QTcpSocket *socket, const QString &peer, const QString &why);
    void onEnded(ClientSession *session, const DeathVerdict &verdict);
    void onOptionsApplied(ClientSession *session, const SocketOptionsReport &report);
    void finishShutdown();
    ClientSession::Limits sessionLimits() const;
    static QString leaveReason(const DeathVerdict &verdict);

    const ServerConfig &m_config;
    ServerLog &m_log;
    ChatRoom m_room;
    TlsServer m_server;
    State m_state = State::Idle;
    QHash<quint64, ClientSession *> m_sessions;
    QHash<QHostAddress, int> m_perAddress; // open connections per client address
    quint64 m_nextId = 1;
    QTimer m_shutdownTimer;
};

} // namespace longline::server
