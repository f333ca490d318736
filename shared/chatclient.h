#pragma once
// The client side of a Longline connection, without any user interface:
// handshake, chat, history catch-up, liveness, reconnect with backoff and an
// outbox that never loses a message. The terminal client and the desktop
// client are thin presenters of this class's signals.
//
// Guarantees to its user:
// - send() never loses text: it goes to the outbox, is written with SAYID
//   when online, and stays there until the server's ACK; after a reconnect
//   every unacknowledged message is sent again (the server ignores repeats);
// - messageReceived() is emitted once per server sequence number, in
//   increasing order: history fetched after a reconnect comes before the
//   live messages that arrived meanwhile;
// - a user's disconnect (disconnectFromServer) is told apart from a failure:
//   only a failure emits connectionLost() and schedules a reconnect;
// - errors that cannot change by retrying (bad or taken nick) stop retries;
// - memory stays bounded whatever the server sends (the limits below): a
//   server that floods past them, or stops reading what we send, is dropped
//   with protocolViolation() and reconnected to like after a failure;
// - messages are paced to the server's announced rate (WELCOME `rate`); an
//   ERR 430 puts only the refused message back, to be written once more
//   after a backoff, one at a time until the server accepts again.

#include "connectionliveness.h"
#include "lineframer.h"
#include "presencelist.h"
#include "protocol.h"
#include "sendpacer.h"

#include <QDateTime>
#include <QObject>
#include <QSet>
#include <QSslCertificate>
#include <QSslError>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>
#include <deque>

namespace longline {

class ChatClient : public QObject
{
    Q_OBJECT
public:
    enum class State
    {
        Disconnected,       // idle: never connected, user disconnected, or gave up
        Connecting,         // TCP connect in progress
        Handshaking,        // connected, HELLO sent, waiting for WELCOME
        Online,             // WELCOME received
        WaitingToReconnect, // a failure happened; a retry is scheduled
    };
    Q_ENUM(State)

    struct OutgoingMessage
    {
        QString cid;
        QString text;
        QDateTime queuedAt;
        bool writtenOnThisConnection = false;
    };

    // Reconnect backoff: doubles from ReconnectMin up to ReconnectMax, +-20% jitter.
    static constexpr Millis ReconnectMin{1000};
    static constexpr Millis ReconnectMax{30000};
    static constexpr Millis ConnectTimeout{10000};
    // History is fetched in pages of at most this many messages.
    static constexpr int HistoryPageSize = 200;
    // Messages one scroll-back request asks for.
    static constexpr int OlderPageSize = 50;

    // Bounds on what a server can make the client hold (docs/protocol.md,
    // "Client rules"). Beyond them the server is dropped as misbehaving.
    // Live messages held back while a history page is pending:
    static constexpr int MaxHeldLiveMessages = 5000;
    static constexpr qsizetype MaxHeldLiveBytes = 8 * 1024 * 1024;
    // Bytes written to the socket that the server has not taken yet (PONGs
    // to a PING flood from a server that does not read, for instance):
    static constexpr qsizetype MaxUnsentBytes = 1024 * 1024;
    // Members of the presence list; JOINs beyond are not listed.
    static constexpr int MaxMembers = PresenceList::DefaultMaxMembers;

    // The chat rate assumed when WELCOME has no `rate` (servers before it
    // was announced): their built-in default.
    static constexpr int DefaultRateMessages = 50;
    static constexpr Millis DefaultRateWindow{10000};
    // After an ERR 430 the refused message waits at least this long, and
    // at least one rate interval (window / messages); the wait doubles with
    // each further 430 that is not followed by an ACK, up to the maximum.
    static constexpr Millis RateBackoffMin{500};
    static constexpr Millis RateBackoffMax{30000};

    // TLS for the connection. Verification uses the system's CAs plus
    // `caFile`; a certificate that fails verification is still trusted when
    // its SHA-256 fingerprint equals `pinnedSha256` (the user accepted it).
    struct TlsOptions
    {
        bool enabled = false; // encrypt with TLS (the server must have a certificate)
        QString caFile;       // extra trusted CA certificates, PEM
        QString pinnedSha256; // hex, colons and case ignored; empty = no pin
    };

    explicit ChatClient(QObject *parent = nullptr);
    ~ChatClient() override;

    // Liveness settings take effect at once on an open connection.
    void setLivenessSettings(const LivenessSettings &settings);
    const LivenessSettings &livenessSettings() const { return m_settings; }
    // What the connection runs with: the user's settings, with the heartbeat
    // interval raised to the server's minping when it was shorter.
    LivenessSettings effectiveSettings() const;
    void setAutoReconnect(bool on) { m_autoReconnect = on; }
    // Takes effect at the next connection.
    void setTls(const TlsOptions &tls) { m_tls = tls; }
    const TlsOptions &tls() const { return m_tls; }
    // Sent with PASS before HELLO when not empty. Never logged.
    void setPassword(const QString &password) { m_password = password; }
    bool isEncrypted() const;
    QString encryptionSummary() const; // "TLS 1.3, TLS_AES_256_GCM_SHA384" or empty
    // Messages of recent history to show on the first connect (0 = none).
    void setInitialHistory(int count) { m_initialHistory = count; }

    void connectToServer(const QString &host, quint16 port, const QString &nick);
    // The user's own disconnect: QUIT, no reconnect.
    void disconnectFromServer(const QString &reason = {});
    // Queues a chat message; returns its client id. Control characters and
    // line breaks become U+FFFD (the server would refuse them, leaving the
    // message stuck in the outbox); blank text is ignored and returns "".
    QString send(const QString &text);
    // Who is online. With no `after` the answer replaces the presence list;
    // with a nick (the last one held, in a room too large for one ONLINE
    // page) it asks for the page after it, which is added to the list.
    // False when not online or `after` is not a single word.
    bool requestWho(const QString &after = {});
    // The page after the last one the server sent (not after the last nick
    // held: a JOIN may have put one anywhere in the order). False when
    // not online, nothing was listed yet, or a WHO is still unanswered.
    bool requestMoreWho();
    // Scroll-back: asks for up to `count` (at most HistoryPageSize) messages
    // older than `beforeSeq`, the oldest one shown. False when not online,
    // or while the catch-up or another scroll-back request is pending. The
    // answer comes as olderMessagesReceived.
    bool requestOlder(qint64 beforeSeq, int count = OlderPageSize);
    bool fetchingOlder() const { return m_olderBefore >= 0; }

    State state() const { return m_state; }
    static QString stateName(State state);
    QString host() const { return m_host; }
    quint16 port() const { return m_port; }
    QString nick() const { return m_nick; }
    qint64 lastSeq() const { return m_lastSeq; }
    QList<OutgoingMessage> outbox() const { return m_outbox; }
    // Sorted case-insensitively.
    QStringList online() const { return m_online.toList(); }
    int onlineCount() const { return m_online.size(); }
    // The room's size from the last MEMBERS, or the list's size when the
    // server sent none (a room that fits in one ONLINE line).
    int memberCount() const { return m_memberCount > 0 ? m_memberCount : m_online.size(); }
    // The count MEMBERS gave (kept current by JOIN and LEAVE while they
    // flow), or 0 when the presence list is the whole room.
    int roomCount() const { return m_memberCount; }
    // The room is over the server's presence limit: MEMBERS counts replace
    // JOIN and LEAVE, so the list may hold nicks that left since.
    bool countOnlyPresence() const { return m_countOnly; }
    // Live messages held back while a history page is pending.
    int heldLiveCount() const { return static_cast<int>(m_heldLive.size()); }
    // How long until the pacer lets the next unsent message out (0 = now
    // or nothing waiting); an ERR 430 backoff is not included.
    Millis pacingDelay() const;
    // ERR 430 received on this connection.
    int rateLimitedCount() const { return m_rateLimited; }
    std::optional<protocol::WelcomeInfo> welcomeInfo() const { return m_welcome; }
    ConnectionLiveness *liveness() const { return m_liveness; }
    QTcpSocket *socket() const { return m_socket; }
    int reconnectAttempt() const { return m_attempt; }

Q_SIGNALS:
    void stateChanged(longline::ChatClient::State state);
    void welcomed(const longline::protocol::WelcomeInfo &info);
    void messageReceived(const longline::protocol::ChatMessage &message, bool fromHistory);
    // The answer to requestOlder(), oldest first; `atStart` when the server
    // holds nothing older.
    void olderMessagesReceived(const QList<longline::protocol::ChatMessage> &messages,
                               bool atStart);
    void messageQueued(const QString &cid, const QString &text);
    void messageAcknowledged(const QString &cid, qint64 seq);
    void userJoined(const QDateTime &time, const QString &nick);
    void userLeft(const QDateTime &time, const QString &nick, const QString &reason);
    // The whole presence list was replaced (ONLINE, or the connection ended).
    void onlineChanged(const QStringList &nicks);
    // A JOIN or LEAVE changed the presence list (repeats do not).
    void memberAdded(const QString &nick);
    void memberRemoved(const QString &nick);
    // roomCount() changed: a MEMBERS line (in a room over the server's
    // presence limit this replaces JOIN/LEAVE), a JOIN or LEAVE while a
    // count is held, or the count dropped (0) because a whole-room ONLINE
    // made the list the room again.
    void memberCountChanged(int count);
    // An ERR line. `fatal` when the client stopped because of it.
    void serverError(int code, const QString &name, const QString &text, bool fatal);
    void serverBye(const QString &reason);
    // The connection failed (not a user disconnect).
    void connectionLost(const longline::DeathVerdict &verdict);
    // The server broke the protocol or flooded past a bound; the client
    // closes the connection and, with auto-reconnect, connects again.
    void protocolViolation(const QString &reason);
    void connectFailed(const QString &error);
    void reconnectScheduled(longline::Millis delay, int attempt);
    // Human-readable events for logs and status bars.
    void logEvent(const QString &text);
    // The TLS handshake finished; the summary names protocol and cipher.
    void encrypted(const QString &summary);
    // The server's certificate did not verify and is not pinned. The client
    // stopped (no retry): a user may accept the fingerprint (setTls with
    // pinnedSha256) and connect again.
    void tlsVerificationFailed(const QStringList &errors, const QString &fingerprintSha256,
                               const QString &subject);

private:
    void setState(State state);
    // Lines about the chat itself, which only follow WELCOME.
    static bool isChatLine(const QString &command);
    void openSocket();
    void onConnected();
    void onEncrypted();
    void onSslErrors(const QList<QSslError> &errors);
    void sendHello();
    void onConnectTimeout();
    void onSocketError(QAbstractSocket::SocketError error);
    void connectFailedNow(const QString &error);
    void onReadyRead();
    void handleLine(const QString &text);
    void handleWelcome(const protocol::Line &line, const QString &text);
    void handleHistEnd(const protocol::Line &line, const QString &text);
    void handleError(const protocol::Line &line, const QString &text);
    void handleChatMessage(const protocol::Line &line, const QString &text);
    void handleAck(const protocol::Line &line, const QString &text);
    void handleJoin(const protocol::Line &line);
    void handleLeave(const protocol::Line &line);
    void handleOnline(const protocol::Line &line, bool answersHello);
    void handleMembers(const protocol::Line &line, const QString &text, bool followsOnline);
    // JOIN or LEAVE arrived: the room is (again) under the presence limit.
    void notePresenceLine(int sizeChange);
    void setRoomCount(int count);
    void handleRateLimited();
    void logMalformed(const QString &text, const QString &why);
    void write(const QByteArray &line);
    void dropForViolation(const QString &reason);
    void onDead(const DeathVerdict &verdict);
    void scheduleReconnect();
    void flushOutbox();
    void requestHistoryPage();
    void deliver(const protocol::ChatMessage &message, bool fromHistory);

    QSslSocket *m_socket = nullptr;
    ConnectionLiveness *m_liveness = nullptr;
    LineFramer *m_framer = nullptr;
    QTimer m_reconnectTimer;
    QTimer m_connectTimer;
    QTimer m_sendTimer; // the pacer's or a 430 backoff's wait before the next SAYID
    LivenessSettings m_settings;
    State m_state = State::Disconnected;
    QString m_host;
    quint16 m_port = protocol::DefaultPort;
    QString m_nick;
    QString m_sessionKey;
    TlsOptions m_tls;
    QString m_password;
    QString m_cidPrefix;
    quint64 m_nextCid = 1;
    bool m_autoReconnect = true;
    bool m_userDisconnect = false;
    bool m_fatal = false;
    int m_initialHistory = 0;
    int m_attempt = 0;
    qint64 m_lastSeq = -1; // -1: nothing seen yet
    bool m_fetchingHistory = false;
    qint64 m_historySince = -1; // "since" of the last HISTORY request, to detect no progress
    int m_histInPage = 0;       // HIST lines received for the pending request
    QList<protocol::ChatMessage> m_heldLive;  // live messages held during a history fetch
    qint64 m_olderBefore = -1;                // a scroll-back request is pending: older than this
    qint64 m_olderSince = 0;                  // its "since"
    int m_olderCount = 0;                     // how many it asked for
    QList<protocol::ChatMessage> m_olderPage; // its answer so far
    qsizetype m_heldLiveBytes = 0;
    QList<OutgoingMessage> m_outbox;
    std::deque<QString> m_awaitingAnswer; // cids written, in order, neither ACKed nor refused
    SendPacer m_pacer;
    bool m_rateProbing = false; // after a 430: one message at a time until an ACK
    int m_rateStrikes = 0;      // 430 backoffs without an ACK in between
    int m_rateLimited = 0;
    bool m_violation = false;  // we are dropping the connection for a protocol violation
    int m_violationStreak = 0; // violations since connectToServer, for the backoff
    bool m_presenceFullLogged = false;
    PresenceList m_online{MaxMembers};
    int m_memberCount = 0;     // from MEMBERS; 0 = none sent
    bool m_countOnly = false;  // MEMBERS arrived on its own: no JOIN/LEAVE now
    QString m_previousCommand; // of the line before, on this connection
    // Our WHO requests not answered yet, oldest first: true for a page
    // (WHO <after>) that adds to the list, false for the whole list.
    std::deque<bool> m_whoPending;
    QString m_pageCursor; // the last nick of the last ONLINE received
    std::optional<protocol::WelcomeInfo> m_welcome;
};

} // namespace longline
