#include "chatserver.h"

#include "historystore.h"
#include "serverlog.h"

#include <QTcpSocket>

namespace longline::server {

namespace {
QString millisText(Millis ms)
{
    return QString::number(ms.count());
}
} // namespace

ChatServer::ChatServer(const ServerConfig &config, HistoryStore &store, ServerLog &log,
                       QObject *parent)
    : QObject(parent), m_config(config), m_log(log), m_room(config, store, log)
{
    m_shutdownTimer.setSingleShot(true);
    connect(&m_server, &QTcpServer::newConnection, this, &ChatServer::onNewConnection);
    connect(&m_shutdownTimer, &QTimer::timeout, this, [this] {
        // Whoever did not take the BYE in time is cut off.
        for (ClientSession *s : std::as_const(m_sessions))
            s->abort(QStringLiteral("server shutting down"));
        QMetaObject::invokeMethod(this, &ChatServer::finishShutdown, Qt::QueuedConnection);
    });
}

ChatServer::~ChatServer()
{
    for (ClientSession *s : std::as_const(m_sessions))
        s->disconnect(this);
}

bool ChatServer::listen(QString *error)
{
    if (!m_config.tlsCertPath.isEmpty() &&
        !m_server.loadCertificate(m_config.tlsCertPath, m_config.tlsKeyPath, error))
        return false;
    m_server.setListenBacklogSize(ListenBacklog);
    // Qt pauses accepting once this many accepted sockets wait for us; we
    // take them all in one go anyway, so let a burst through.
    m_server.setMaxPendingConnections(ListenBacklog);
    if (!m_server.listen(m_config.address, m_config.port)) {
        if (error)
            *error = QStringLiteral("cannot listen on %1: %2")
                         .arg(m_config.listenText(), m_server.errorString());
        return false;
    }
    m_state = State::Running;
    // Qt prints the dual-stack "any" address as 0.0.0.0; say what it is.
    const bool dualStack = m_server.serverAddress() == QHostAddress(QHostAddress::Any);
    QList<LogField> fields = {
        {"address", dualStack ? QStringLiteral("::") : m_server.serverAddress().toString()},
        {"port", QString::number(m_server.serverPort())},
        {"backlog", QString::number(ListenBacklog)}};
    if (dualStack)
        fields.append({"dual_stack", QStringLiteral("1")});
    fields.append({"tls", m_server.tlsEnabled() ? QStringLiteral("1") : QStringLiteral("0")});
    if (m_server.tlsEnabled())
        fields.append({"cert_sha256", m_server.fingerprint()});
    fields.append(
        {"password", m_config.password.isEmpty() ? QStringLiteral("off") : QStringLiteral("on")});
    m_log.event("listen", fields);
    return true;
}

ClientSession::Limits ChatServer::sessionLimits() const
{
    ClientSession::Limits l;
    l.maxLine = m_config.maxLine;
    l.lineTimeout = m_config.lineTimeout;
    l.maxOutputBytes = m_config.maxOutputBytes;
    l.minClientPing = m_config.minClientPing;
    l.ratePer10s = m_config.ratePer10s;
    return l;
}

void ChatServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        const QHostAddress address = normalizedAddress(socket->peerAddress());
        const QString peer = formatEndpoint(address, socket->peerPort());
        if (m_state != State::Running) {
            socket->abort();
            socket->deleteLater();
            continue;
        }
        if (m_sessions.size() >= m_config.maxClients) {
            reject(socket, peer,
                   QStringLiteral("the server is full (%1 clients)").arg(m_config.maxClients));
            continue;
        }
        if (m_perAddress.value(address) >= m_config.maxPerAddress) {
            reject(socket, peer,
                   QStringLiteral("too many connections from %1 (limit %2)")
                       .arg(address.toString())
                       .arg(m_config.maxPerAddress));
            continue;
        }
        auto *session =
            new ClientSession(m_nextId++, socket, m_config.liveness, sessionLimits(), this);
        m_sessions.insert(session->id(), session);
        ++m_perAddress[address];
        connect(session, &ClientSession::lineReceived, this,
                [this, session](const QString &line) { m_room.handleLine(session, line); });
        connect(session, &ClientSession::lineRejected, this,
                [this, session](LineFramer::Status status, qsizetype rawSize) {
                    m_room.handleRejected(session, status, rawSize);
                });
        connect(session, &ClientSession::lineTimedOut, this, [this, session] {
            m_room.sendError(session, protocol::ErrorCode::BadLine,
                             QStringLiteral("no end of line within %1; closing")
                                 .arg(formatMillis(m_config.lineTimeout)));
            const QString reason = QStringLiteral("line timeout");
            m_room.retire(session, reason);
            session->close(reason, reason);
        });
        connect(session, &ClientSession::slowReader, this, [this, session](qint64 unsent) {
            m_log.event("slow_reader", {{"id", QString::number(session->id())},
                                        {"peer", session->peer()},
                                        {"nick", session->nick()},
                                        {"unsent_bytes", QString::number(unsent)},
                                        {"limit", QString::number(m_config.maxOutputBytes)}});
        });
        connect(session, &ClientSession::optionsApplied, this,
                [this, session](const SocketOptionsReport &report) {
                    onOptionsApplied(session, report);
                });
        connect(session, &ClientSession::ended, this,
                [this, session](const DeathVerdict &verdict) { onEnded(session, verdict); });
        m_log.event("connect", {{"id", QString::number(session->id())},
                                {"peer", session->peer()},
                                {"clients", QString::number(m_sessions.size())}});
        session->start();
    }
}

void ChatServer::reject(QTcpSocket *socket, const QString &peer, const QString &why)
{
    m_log.event("reject",
                {{"peer", peer},
                 {"code", QString::number(static_cast<int>(protocol::ErrorCode::ServerFull))},
                 {"name", protocol::errorName(protocol::ErrorCode::ServerFull)},
                 {"text", why},
                 {"clients", QString::number(m_sessions.size())}});
    socket->setParent(this);
    socket->write(protocol::error(protocol::ErrorCode::ServerFull, why));
    socket->write(protocol::bye(QStringLiteral("server full")));
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    // A client that never reads must not keep the descriptor.
    QTimer::singleShot(ClientSession::CloseGrace, socket, [socket] { socket->abort(); });
    socket->disconnectFromHost();
}

void ChatServer::onOptionsApplied(ClientSession *session, const SocketOptionsReport &report)
{
    const LivenessSettings &want = m_config.liveness;
    const EffectiveSocketOptions &e = report.effective;
    QList<LogField> fields = {
        {"id", QString::number(session->id())},
        {"peer", session->peer()},
        {"requested_keepalive", want.keepalive.toString()},
        {"requested_user_timeout_ms", millisText(want.userTimeout)},
    };
    if (e.valid) {
        fields.append({"keepalive",
                       e.keepaliveOn
                           ? QStringLiteral("%1,%2,%3").arg(e.idleS).arg(e.intervalS).arg(e.count)
                           : QStringLiteral("off")});
        fields.append({"user_timeout_ms", QString::number(e.userTimeoutMs)});
    } else {
        fields.append({"keepalive", QStringLiteral("unknown")});
        fields.append({"user_timeout_ms", QStringLiteral("unknown")});
    }
    fields.append({"heartbeat", want.heartbeat.toString()});
    fields.append({"ok", report.ok() ? QStringLiteral("1") : QStringLiteral("0")});
    if (!report.ok())
        fields.append({"errors", report.errors.join(QStringLiteral("; "))});
    m_log.event("options", fields);
}

QString ChatServer::leaveReason(const DeathVerdict &verdict)
{
    switch (verdict.cause) {
    case DeathCause::HeartbeatTimeout:
        return QStringLiteral("heartbeat timeout");
    case DeathCause::KeepaliveTimeout:
        return QStringLiteral("keepalive timeout");
    case DeathCause::UserTimeout:
        return QStringLiteral("user timeout");
    case DeathCause::RetransmitTimeout:
        return QStringLiteral("retransmission timeout");
    case DeathCause::ResetByPeer:
        return QStringLiteral("reset by peer");
    case DeathCause::ClosedByPeer:
        return QStringLiteral("closed by peer");
    case DeathCause::LocalError:
        return QStringLiteral("connection error");
    case DeathCause::LocalClose:
        return verdict.detail.isEmpty() ? QStringLiteral("closed by server") : verdict.detail;
    }
    return QStringLiteral("gone");
}

void ChatServer::onEnded(ClientSession *session, const DeathVerdict &verdict)
{
    m_room.retire(session, leaveReason(verdict));
    const QString reason = verdict.cause == DeathCause::LocalClose
                               ? QStringLiteral("closed by the server: ") + leaveReason(verdict)
                               : verdict.describe();
    m_sessions.remove(session->id());
    const auto count = m_perAddress.find(session->peerAddress());
    if (count != m_perAddress.end() && --count.value() <= 0)
        m_perAddress.erase(count);
    QList<LogField> fields = {
        {"id", QString::number(session->id())},
        {"peer", session->peer()},
        {"nick", session->nick()},
        {"cause", DeathVerdict::causeKey(verdict.cause)},
        {"detection_ms", millisText(verdict.detection)},
        {"budget_ms", verdict.budget ? millisText(*verdict.budget) : QStringLiteral("none")},
        {"reason", reason},
        {"duration_ms", millisText(session->age())},
        {"clients", QString::number(m_sessions.size())},
    };
    if (!verdict.detail.isEmpty() && verdict.cause != DeathCause::LocalClose)
        fields.append({"detail", verdict.detail});
    m_log.event("disconnect", fields);
    session->deleteLater();
    if (m_state == State::ShuttingDown && m_sessions.isEmpty())
        finishShutdown();
}

void ChatServer::shutdown(const QString &why)
{
    if (m_state == State::ShuttingDown || m_state == State::Stopped)
        return;
    m_state = State::ShuttingDown;
    m_log.event("shutdown", {{"reason", why}, {"clients", QString::number(m_sessions.size())}});
    m_server.close();
    const QString bye = QStringLiteral("server shutting down");
    // Every session turns Closing first, so no LEAVE goes to someone who was
    // already told BYE.
    const QList<ClientSession *> sessions = m_sessions.values();
    for (ClientSession *s : sessions)
        s->close(bye, bye);
    if (m_sessions.isEmpty())
        finishShutdown();
    else
        m_shutdownTimer.start(ShutdownGrace);
}

void ChatServer::finishShutdown()
{
    if (m_state == State::Stopped)
        return;
    m_state = State::Stopped;
    m_shutdownTimer.stop();
    Q_EMIT stopped();
}

} // namespace longline::server
