#pragma once
// One client connection: the socket, its line framing, its liveness watch
// and its per-client policing state. The ChatServer and ChatRoom use only
// the small public interface below, never the socket, so the transport can
// later change (to hold tens of thousands of connections) without touching
// the chat logic.

#include "connectionliveness.h"
#include "lineframer.h"
#include "participant.h"

#include <QHostAddress>
#include <QObject>
#include <QTimer>
#include <chrono>

class QTcpSocket;

namespace longline::server {

using namespace std::chrono_literals;

// IPv4 clients of a dual-stack [::] listener show up as ::ffff:a.b.c.d;
// they are counted and printed as the IPv4 address they are.
QHostAddress normalizedAddress(const QHostAddress &address);
// "127.0.0.1:40112", "[::1]:40112"
QString formatEndpoint(const QHostAddress &address, quint16 port);

class ClientSession : public QObject, public Participant
{
    Q_OBJECT
public:
    struct Limits
    {
        qsizetype maxLine = 4096;        // framing limit, terminator excluded
        Millis lineTimeout = 30s;        // unfinished line without newline for this long
        qint64 maxOutputBytes = 1 << 20; // unsent output before the client is a slow reader
        Millis minClientPing{1000};      // PingGuard minimum
        int ratePer10s = 50;             // RateLimiter budget
    };

    // After BYE the peer gets this long to take the rest of its output
    // before the socket is aborted; a dead or stuck peer must not hold it.
    static constexpr Millis CloseGrace = 2s;
    // Qt's read buffer per socket; bounds memory per connection.
    static constexpr qint64 ReadBufferBytes = 64 * 1024;

    // Takes ownership of `socket` (already connected).
    ClientSession(quint64 id, QTcpSocket *socket, const LivenessSettings &liveness,
                  const Limits &limits, QObject *parent = nullptr);
    ~ClientSession() override;

    QString peer() const override { return m_peer; }
    QHostAddress peerAddress() const override { return m_peerAddress; }
    bool isEncrypted() const override;

    // Starts reading and the liveness watch (options, heartbeat).
    void start();
    // Time since start().
    Millis age() const;
    // Queues a line; drops the client as a slow reader when its unsent
    // output passes the limit. Ignored once closing.
    void send(const QByteArray &line) override;
    // Says "BYE <byeReason>", lets the output drain, then closes.
    // `localReason` is what the disconnect log and LEAVE report.
    void close(const QString &byeReason, const QString &localReason) override;
    // Ends at once without a word (the peer is gone or stuck).
    void abort(const QString &localReason);
    void notePong(const QString &token) override;

    const ConnectionLiveness &liveness() const { return m_liveness; }
    // Why we closed, when we did (empty for deaths the peer caused).
    QString localReason() const { return m_localReason; }

Q_SIGNALS:
    void lineReceived(const QString &line);
    // A line that broke framing: too long or not UTF-8. Already discarded.
    void lineRejected(longline::LineFramer::Status status, qsizetype rawSize);
    // An unfinished line sat without a newline for Limits::lineTimeout.
    void lineTimedOut();
    void slowReader(qint64 unsentBytes);
    void optionsApplied(const longline::SocketOptionsReport &report);
    // The connection is over. Always emitted from the event loop, never from
    // inside a call the owner made, exactly once.
    void ended(const longline::DeathVerdict &verdict);

private:
    void onReadyRead();
    void onDead(const DeathVerdict &verdict);
    void onLineTimeout();
    void updateLineTimer(bool lineCompleted);

    QTcpSocket *m_socket;
    QString m_peer;
    QHostAddress m_peerAddress;
    Limits m_limits;
    LineFramer m_framer;
    ConnectionLiveness m_liveness;
    QTimer m_lineTimer;
    QTimer m_closeTimer;
    QString m_localReason;
    Millis m_startedAt{0};
};

} // namespace longline::server
