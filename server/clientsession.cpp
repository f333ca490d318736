#include "clientsession.h"

#include "protocol.h"

#include <QSslSocket>
#include <QTcpSocket>

namespace longline::server {

QHostAddress normalizedAddress(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4) : address;
}

QString formatEndpoint(const QHostAddress &address, quint16 port)
{
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(address.toString())
                             : address.toString();
    return QStringLiteral("%1:%2").arg(host).arg(port);
}

ClientSession::ClientSession(quint64 id, QTcpSocket *socket, const LivenessSettings &liveness,
                             const Limits &limits, QObject *parent)
    : QObject(parent), Participant(id, limits.minClientPing, limits.ratePer10s), m_socket(socket),
      m_limits(limits), m_framer(limits.maxLine), m_liveness(socket)
{
    m_socket->setParent(this);
    m_peerAddress = normalizedAddress(socket->peerAddress());
    m_peer = formatEndpoint(m_peerAddress, socket->peerPort());
    m_liveness.setSettings(liveness);

    m_lineTimer.setSingleShot(true);
    m_closeTimer.setSingleShot(true);
    connect(&m_lineTimer, &QTimer::timeout, this, &ClientSession::onLineTimeout);
    connect(&m_closeTimer, &QTimer::timeout, this, [this] {
        if (state() != State::Closed)
            m_socket->abort();
    });
    connect(&m_liveness, &ConnectionLiveness::dead, this, &ClientSession::onDead);
    connect(&m_liveness, &ConnectionLiveness::optionsApplied, this, &ClientSession::optionsApplied);
}

ClientSession::~ClientSession()
{
    // Quietly: the owner already knows the connection is over.
    m_socket->disconnect(this);
    m_socket->disconnect(&m_liveness);
}

void ClientSession::start()
{
    // Bounded read buffer: Qt stops pulling from the kernel when it is full,
    // so a flooding client meets TCP flow control instead of our memory.
    m_socket->setReadBufferSize(ReadBufferBytes);
    connect(m_socket, &QTcpSocket::readyRead, this, &ClientSession::onReadyRead);
    m_startedAt = monotonicNow();
    m_liveness.start();
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &ClientSession::onReadyRead, Qt::QueuedConnection);
}

Millis ClientSession::age() const
{
    return monotonicNow() - m_startedAt;
}

void ClientSession::send(const QByteArray &line)
{
    if (!isOpen())
        return;
    m_socket->write(line);
    const qint64 unsent = m_socket->bytesToWrite();
    if (unsent > m_limits.maxOutputBytes) {
        // A reader this far behind would only grow our memory. Drop it from
        // the event loop, not from inside the caller's broadcast.
        setState(State::Closing);
        m_localReason = QStringLiteral("slow reader");
        m_liveness.markLocalClose(m_localReason);
        QMetaObject::invokeMethod(
            this,
            [this, unsent] {
                Q_EMIT slowReader(unsent);
                if (state() != State::Closed)
                    m_socket->abort();
            },
            Qt::QueuedConnection);
    }
}

void ClientSession::close(const QString &byeReason, const QString &localReason)
{
    if (!isOpen())
        return;
    m_socket->write(protocol::bye(byeReason));
    setState(State::Closing);
    m_localReason = localReason;
    m_lineTimer.stop();
    m_liveness.markLocalClose(localReason);
    // No heartbeat PING may follow the BYE while the output drains; the
    // close grace timer bounds the wait instead. Re-applying the settings
    // must not log the socket options a second time.
    disconnect(&m_liveness, &ConnectionLiveness::optionsApplied, this, nullptr);
    LivenessSettings quiet = m_liveness.settings();
    quiet.heartbeat.enabled = false;
    m_liveness.setSettings(quiet);
    m_socket->disconnectFromHost(); // sends what is queued, then FIN
    if (state() != State::Closed)
        m_closeTimer.start(CloseGrace);
}

void ClientSession::abort(const QString &localReason)
{
    if (state() == State::Closed)
        return;
    if (isOpen()) {
        m_localReason = localReason;
        m_liveness.markLocalClose(localReason);
    }
    setState(State::Closing);
    m_socket->abort();
}

void ClientSession::notePong(const QString &token)
{
    m_liveness.notePong(token);
}

void ClientSession::onReadyRead()
{
    const QByteArray data = m_socket->readAll();
    if (data.isEmpty())
        return;
    m_liveness.noteReceived();
    if (!isOpen())
        return; // after BYE nothing more is read, only drained
    m_framer.feed(data);
    bool lineCompleted = false;
    while (isOpen()) {
        const std::optional<LineFramer::Item> item = m_framer.next();
        if (!item)
            break;
        lineCompleted = true;
        if (item->status == LineFramer::Status::Line)
            Q_EMIT lineReceived(item->text);
        else
            Q_EMIT lineRejected(item->status, item->rawSize);
    }
    if (isOpen())
        updateLineTimer(lineCompleted);
}

void ClientSession::updateLineTimer(bool lineCompleted)
{
    const bool partial = m_framer.pendingBytes() > 0 || m_framer.discarding();
    if (!partial)
        m_lineTimer.stop();
    else if (lineCompleted || !m_lineTimer.isActive())
        m_lineTimer.start(m_limits.lineTimeout);
}

void ClientSession::onLineTimeout()
{
    if (isOpen())
        Q_EMIT lineTimedOut();
}

void ClientSession::onDead(const DeathVerdict &verdict)
{
    setState(State::Closed);
    m_lineTimer.stop();
    m_closeTimer.stop();
    QMetaObject::invokeMethod(
        this, [this, verdict] { Q_EMIT ended(verdict); }, Qt::QueuedConnection);
}

} // namespace longline::server

namespace longline::server {

bool ClientSession::isEncrypted() const
{
    const auto *ssl = qobject_cast<const QSslSocket *>(m_socket);
    return ssl && ssl->isEncrypted();
}

} // namespace longline::server
