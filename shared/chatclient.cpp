#include "chatclient.h"

#include "certificatefingerprint.h"

#include <QRandomGenerator>
#include <QSslCipher>
#include <QSslConfiguration>
#include <algorithm>
#include <utility>

namespace longline {

namespace {

// Server lines carry seq, time and nick before text of up to `maxline`
// bytes, so the client accepts much longer lines than it may send.
constexpr qsizetype MaxIncomingLine = 1024 * 1024;
// After QUIT the server closes; if it does not, we stop waiting.
constexpr Millis QuitGrace{1000};
// A live message held during a history fetch costs its text and nick in
// UTF-16 plus about this much bookkeeping.
constexpr qsizetype HeldMessageOverhead = 64;
// Jitter spreads reconnects of many clients after a server restart.
constexpr double ReconnectJitter = 0.2;

constexpr int BadNickCode = static_cast<int>(protocol::ErrorCode::BadNick);
constexpr int NickTakenCode = static_cast<int>(protocol::ErrorCode::NickTaken);
constexpr int RateLimitedCode = static_cast<int>(protocol::ErrorCode::RateLimited);
constexpr int BadPasswordCode = static_cast<int>(protocol::ErrorCode::BadPassword);

// ERR codes the server answers a SAYID with when it does not store it;
// each answers the oldest SAYID still waiting (the server answers in order).
bool refusesSay(int code)
{
    switch (static_cast<protocol::ErrorCode>(code)) {
    case protocol::ErrorCode::LineTooLong:
    case protocol::ErrorCode::ControlChars:
    case protocol::ErrorCode::BadArgument:
    case protocol::ErrorCode::RateLimited:
    case protocol::ErrorCode::Internal:
        return true;
    default:
        return false;
    }
}

QString randomCidPrefix()
{
    // 48 random bits: unique enough that two processes using the same nick
    // never collide in the server's per-nick id memory.
    const quint64 r = QRandomGenerator::global()->generate64() & 0xffffffffffffULL;
    return QStringLiteral("%1-").arg(r, 12, 16, QLatin1Char('0'));
}

// Control characters would be refused (ERR 416) and newlines would split the
// line; either would leave the message unacknowledged in the outbox forever.
QString wireSafe(const QString &text)
{
    return protocol::sanitizeForDisplay(text);
}

} // namespace

ChatClient::ChatClient(QObject *parent)
    : QObject(parent), m_socket(new QSslSocket(this)),
      m_liveness(new ConnectionLiveness(m_socket, this)), m_framer(new LineFramer(MaxIncomingLine)),
      m_cidPrefix(randomCidPrefix())
{
    m_reconnectTimer.setSingleShot(true);
    m_connectTimer.setSingleShot(true);
    m_sendTimer.setSingleShot(true);
    connect(&m_sendTimer, &QTimer::timeout, this, &ChatClient::flushOutbox);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &ChatClient::openSocket);
    connect(&m_connectTimer, &QTimer::timeout, this, &ChatClient::onConnectTimeout);
    connect(m_socket, &QAbstractSocket::connected, this, &ChatClient::onConnected);
    connect(m_socket, &QSslSocket::encrypted, this, &ChatClient::onEncrypted);
    connect(m_socket, &QSslSocket::sslErrors, this, &ChatClient::onSslErrors);
    connect(m_socket, &QIODevice::readyRead, this, &ChatClient::onReadyRead);
    connect(m_socket, &QAbstractSocket::errorOccurred, this, &ChatClient::onSocketError);
    connect(m_liveness, &ConnectionLiveness::dead, this, &ChatClient::onDead);
}

ChatClient::~ChatClient()
{
    // The socket dies with us; its last signals must not reach a half-gone object.
    disconnect(m_liveness, nullptr, this, nullptr);
    disconnect(m_socket, nullptr, this, nullptr);
    delete m_framer;
}

QString ChatClient::stateName(State state)
{
    switch (state) {
    case State::Disconnected:
        return QStringLiteral("disconnected");
    case State::Connecting:
        return QStringLiteral("connecting");
    case State::Handshaking:
        return QStringLiteral("handshaking");
    case State::Online:
        return QStringLiteral("online");
    case State::WaitingToReconnect:
        return QStringLiteral("waiting to reconnect");
    }
    return QStringLiteral("unknown");
}

void ChatClient::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void ChatClient::setLivenessSettings(const LivenessSettings &settings)
{
    m_settings = settings;
    m_liveness->setSettings(effectiveSettings());
}

LivenessSettings ChatClient::effectiveSettings() const
{
    LivenessSettings s = m_settings;
    if (m_welcome && s.heartbeat.enabled) {
        const Millis minPing{static_cast<qint64>(m_welcome->minPingS * 1000.0 + 0.5)};
        if (s.heartbeat.interval < minPing)
            s.heartbeat.interval = minPing;
    }
    return s;
}

void ChatClient::connectToServer(const QString &host, quint16 port, const QString &nick)
{
    if (host != m_host || port != m_port) {
        // Sequence numbers belong to one server.
        m_lastSeq = -1;
        m_sessionKey.clear();
    }
    if (nick != m_nick)
        m_sessionKey.clear();
    m_host = host;
    m_port = port;
    m_nick = nick;
    m_fatal = false;
    m_attempt = 0;
    m_violationStreak = 0;
    m_reconnectTimer.stop();
    if (m_socket->state() != QAbstractSocket::UnconnectedState) {
        // Replacing a live connection is a deliberate close, not a failure.
        m_userDisconnect = true;
        m_liveness->markLocalClose(QStringLiteral("reconnecting"));
        m_socket->abort();
    }
    m_userDisconnect = false;
    openSocket();
}

void ChatClient::openSocket()
{
    if (m_socket->state() != QAbstractSocket::UnconnectedState)
        m_socket->abort();
    *m_framer = LineFramer(MaxIncomingLine);
    m_fetchingHistory = false;
    m_heldLive.clear();
    m_heldLiveBytes = 0;
    m_olderBefore = -1;
    m_olderPage.clear();
    m_violation = false;
    setState(State::Connecting);
    Q_EMIT logEvent(QStringLiteral("connecting to %1 port %2").arg(m_host).arg(m_port));
    m_connectTimer.start(ConnectTimeout);
    if (m_tls.enabled) {
        if (!QSslSocket::supportsSsl()) {
            connectFailedNow(
                QStringLiteral("TLS is not available: Qt found no TLS backend (OpenSSL)"));
            return;
        }
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setProtocol(QSsl::TlsV1_2OrLater);
        if (!m_tls.caFile.isEmpty()) {
            const auto cas = QSslCertificate::fromPath(m_tls.caFile, QSsl::Pem);
            if (cas.isEmpty())
                Q_EMIT logEvent(
                    QStringLiteral("no certificate found in CA file %1").arg(m_tls.caFile));
            config.addCaCertificates(cas);
        }
        m_socket->setSslConfiguration(config);
        m_socket->connectToHostEncrypted(m_host, m_port);
    } else {
        m_socket->connectToHost(m_host, m_port);
    }
}

void ChatClient::disconnectFromServer(const QString &reason)
{
    m_userDisconnect = true;
    m_reconnectTimer.stop();
    m_connectTimer.stop();
    switch (m_state) {
    case State::Disconnected:
    case State::WaitingToReconnect:
    case State::Connecting:
        if (m_socket->state() != QAbstractSocket::UnconnectedState)
            m_socket->abort();
        setState(State::Disconnected);
        return;
    case State::Handshaking:
    case State::Online:
        break;
    }
    if (m_socket->state() != QAbstractSocket::ConnectedState) {
        // Already closing (a second call): no second QUIT, just finish.
        m_socket->abort();
        setState(State::Disconnected);
        return;
    }
    m_liveness->markLocalClose(reason.isEmpty() ? QStringLiteral("user quit") : reason);
    m_socket->write(protocol::quit(wireSafe(reason)));
    // State becomes Disconnected when the socket reports the close (onDead).
    m_socket->disconnectFromHost();
    QTimer::singleShot(QuitGrace, this, [this] {
        if (m_userDisconnect && m_state != State::Connecting &&
            m_socket->state() != QAbstractSocket::UnconnectedState)
            m_socket->abort();
    });
}

QString ChatClient::send(const QString &text)
{
    if (text.trimmed().isEmpty())
        return {};
    OutgoingMessage m;
    m.cid = m_cidPrefix + QString::number(m_nextCid++);
    m.text = wireSafe(text);
    m.queuedAt = QDateTime::currentDateTimeUtc();
    m_outbox.append(m);
    Q_EMIT messageQueued(m.cid, m.text);
    if (m_state == State::Online)
        flushOutbox();
    return m.cid;
}

bool ChatClient::requestWho(const QString &after)
{
    if (m_state != State::Online)
        return false;
    if (after.isEmpty()) {
        write(protocol::who());
    } else {
        // A nick is one word of printable characters (docs/protocol.md);
        // anything else would put a second argument or line on the wire.
        for (const QChar c : after) {
            if (c.isSpace() || c.category() == QChar::Other_Control)
                return false;
        }
        write("WHO " + after.toUtf8() + '\n');
    }
    m_whoPending.push_back(!after.isEmpty());
    return true;
}

bool ChatClient::requestMoreWho()
{
    if (m_pageCursor.isEmpty() || !m_whoPending.empty())
        return false;
    return requestWho(m_pageCursor);
}

void ChatClient::onConnected()
{
    for (OutgoingMessage &m : m_outbox)
        m.writtenOnThisConnection = false;
    // The server's rate limit is per connection.
    m_awaitingAnswer.clear();
    m_pacer.reset();
    m_sendTimer.stop();
    m_rateProbing = false;
    m_rateStrikes = 0;
    m_rateLimited = 0;
    m_presenceFullLogged = false;
    m_countOnly = false;
    m_previousCommand.clear();
    m_whoPending.clear();
    m_pageCursor.clear();
    setState(State::Handshaking);
    // Liveness runs from the TCP connection on: keepalive and the kernel
    // view concern the socket under TLS, and the TLS handshake itself can hang.
    m_liveness->start();
    if (m_tls.enabled)
        return; // HELLO goes out once the TLS handshake is done (onEncrypted)
    m_connectTimer.stop();
    sendHello();
}

void ChatClient::onEncrypted()
{
    m_connectTimer.stop();
    Q_EMIT encrypted(encryptionSummary());
    Q_EMIT logEvent(QStringLiteral("encrypted: %1").arg(encryptionSummary()));
    sendHello();
}

void ChatClient::sendHello()
{
    if (!m_password.isEmpty())
        m_socket->write(protocol::pass(wireSafe(m_password)));
    // A bad nick is the server's to refuse (BAD_NICK), but never a way to
    // inject a second line.
    m_socket->write(protocol::hello(wireSafe(m_nick), m_sessionKey));
}

bool ChatClient::isEncrypted() const
{
    return m_socket->isEncrypted();
}

QString ChatClient::encryptionSummary() const
{
    if (!m_socket->isEncrypted())
        return {};
    const QSslCipher cipher = m_socket->sessionCipher();
    QString protocolName;
    switch (m_socket->sessionProtocol()) {
    case QSsl::TlsV1_2:
        protocolName = QStringLiteral("TLS 1.2");
        break;
    case QSsl::TlsV1_3:
        protocolName = QStringLiteral("TLS 1.3");
        break;
    default:
        protocolName = cipher.protocolString();
        break;
    }
    return QStringLiteral("%1, %2").arg(protocolName, cipher.name());
}

void ChatClient::onSslErrors(const QList<QSslError> &errors)
{
    const QSslCertificate peer = m_socket->peerCertificate();
    const QString fingerprint = certificateFingerprint(peer);
    if (fingerprintsMatch(m_tls.pinnedSha256, fingerprint)) {
        // The user accepted exactly this certificate before.
        m_socket->ignoreSslErrors(errors);
        Q_EMIT logEvent(
            QStringLiteral("certificate %1 trusted by its pinned fingerprint").arg(fingerprint));
        return;
    }
    QStringList texts;
    for (const QSslError &e : errors)
        texts.append(e.errorString());
    // Retrying cannot make an untrusted certificate trusted: stop for good.
    m_fatal = true;
    m_reconnectTimer.stop();
    m_connectTimer.stop();
    m_liveness->markLocalClose(QStringLiteral("untrusted certificate"));
    Q_EMIT tlsVerificationFailed(texts, fingerprint, peer.subjectDisplayName());
    Q_EMIT logEvent(QStringLiteral("certificate not trusted (%1); fingerprint %2")
                        .arg(texts.join(QStringLiteral("; ")), fingerprint));
    m_socket->abort();
    setState(State::Disconnected);
}

void ChatClient::onConnectTimeout()
{
    if (m_state == State::Handshaking && m_tls.enabled && !m_socket->isEncrypted()) {
        // TCP connected but the TLS handshake hangs (not a TLS server?). The
        // end is reported through liveness, and retried like any failure.
        Q_EMIT logEvent(QStringLiteral("TLS handshake did not finish within %1")
                            .arg(formatMillis(ConnectTimeout)));
        m_socket->abort();
        return;
    }
    if (m_state != State::Connecting)
        return;
    m_socket->abort();
    connectFailedNow(QStringLiteral("no connection within %1").arg(formatMillis(ConnectTimeout)));
}

void ChatClient::onSocketError(QAbstractSocket::SocketError error)
{
    Q_UNUSED(error);
    // Errors of an established connection reach us through liveness (dead).
    if (m_state != State::Connecting)
        return;
    m_connectTimer.stop();
    connectFailedNow(m_socket->errorString());
}

void ChatClient::connectFailedNow(const QString &error)
{
    Q_EMIT connectFailed(error);
    if (m_userDisconnect || m_state != State::Connecting)
        return; // a slot above gave up or started something else
    if (m_autoReconnect)
        scheduleReconnect();
    else
        setState(State::Disconnected);
}

void ChatClient::onReadyRead()
{
    m_liveness->noteReceived();
    m_framer->feed(m_socket->readAll());
    // A line may end the connection (fatal error): stop reading then.
    while (m_socket->state() == QAbstractSocket::ConnectedState) {
        const auto item = m_framer->next();
        if (!item)
            break;
        switch (item->status) {
        case LineFramer::Status::Line:
            if (!item->text.isEmpty())
                handleLine(item->text);
            break;
        case LineFramer::Status::TooLong:
            Q_EMIT logEvent(QStringLiteral("ignored an over-long line from the server (%1 bytes)")
                                .arg(item->rawSize));
            break;
        case LineFramer::Status::BadUtf8:
            Q_EMIT logEvent(QStringLiteral("ignored a line from the server that is not UTF-8"));
            break;
        }
    }
}

void ChatClient::logMalformed(const QString &text, const QString &why)
{
    Q_EMIT logEvent(QStringLiteral("ignored malformed server line (%1): %2")
                        .arg(why, protocol::sanitizeForDisplay(text.left(200))));
}

void ChatClient::write(const QByteArray &line)
{
    m_liveness->noteSending();
    m_socket->write(line);
    // The kernel takes what the server reads; what piles up here is what a
    // server that stopped reading (while, say, flooding PINGs) left us.
    if (m_socket->bytesToWrite() > MaxUnsentBytes)
        dropForViolation(
            QStringLiteral("does not read: %1 bytes unsent").arg(m_socket->bytesToWrite()));
}

void ChatClient::dropForViolation(const QString &reason)
{
    if ((m_state != State::Online && m_state != State::Handshaking) || m_violation)
        return;
    m_violation = true;
    ++m_violationStreak;
    Q_EMIT logEvent(QStringLiteral("dropping the connection: the server %1").arg(reason));
    Q_EMIT protocolViolation(reason);
    if (m_state != State::Online && m_state != State::Handshaking)
        return; // a slot took over
    m_liveness->markLocalClose(QStringLiteral("the server %1").arg(reason));
    m_socket->abort(); // reported through liveness (onDead), then reconnected
}

Millis ChatClient::pacingDelay() const
{
    if (m_state != State::Online || !m_sendTimer.isActive())
        return Millis{0};
    if (m_rateProbing)
        return Millis{0}; // a 430 backoff, not pacing
    return Millis{m_sendTimer.remainingTime()};
}

bool ChatClient::isChatLine(const QString &command)
{
    for (const char *chat : {"MSG", "HIST", "HISTEND", "ACK", "JOIN", "LEAVE", "ONLINE", "MEMBERS"})
        if (command == QLatin1String(chat))
            return true;
    return false;
}

void ChatClient::handleLine(const QString &text)
{
    const protocol::ParseResult parsed = protocol::parse(text);
    if (!parsed.ok()) {
        logMalformed(text, parsed.error ? parsed.error->message : QStringLiteral("unparsable"));
        return;
    }
    const protocol::Line &line = *parsed.line;
    const QString &cmd = line.command;
    // MEMBERS right after ONLINE sizes that page; on its own it is the
    // count a room over the presence limit sends instead of JOIN/LEAVE.
    // The ONLINE right after WELCOME answers HELLO, not one of our WHOs.
    const QString previous = std::exchange(m_previousCommand, cmd);
    if (m_state != State::Online && isChatLine(cmd)) {
        // A server speaks of the chat only after WELCOME; lines before it
        // would be counted against a sequence the WELCOME may then reset,
        // and shown twice.
        dropForViolation(QStringLiteral("sent %1 before WELCOME").arg(cmd.left(16)));
        return;
    }
    if (cmd == QLatin1String("PING")) {
        write(protocol::pong(line.words.value(0)));
    } else if (cmd == QLatin1String("PONG")) {
        m_liveness->notePong(line.words.value(0));
    } else if (cmd == QLatin1String("WELCOME")) {
        handleWelcome(line, text);
    } else if (cmd == QLatin1String("MSG") || cmd == QLatin1String("HIST")) {
        handleChatMessage(line, text);
    } else if (cmd == QLatin1String("HISTEND")) {
        handleHistEnd(line, text);
    } else if (cmd == QLatin1String("ACK")) {
        handleAck(line, text);
    } else if (cmd == QLatin1String("JOIN")) {
        handleJoin(line);
    } else if (cmd == QLatin1String("LEAVE")) {
        handleLeave(line);
    } else if (cmd == QLatin1String("ONLINE")) {
        handleOnline(line, previous == QLatin1String("WELCOME"));
    } else if (cmd == QLatin1String("MEMBERS")) {
        handleMembers(line, text, previous == QLatin1String("ONLINE"));
    } else if (cmd == QLatin1String("ERR")) {
        handleError(line, text);
    } else if (cmd == QLatin1String("BYE")) {
        Q_EMIT serverBye(line.text);
    } else {
        logMalformed(text, QStringLiteral("unknown command"));
    }
}

void ChatClient::handleChatMessage(const protocol::Line &line, const QString &text)
{
    const auto m = protocol::parseChatMessage(line);
    if (!m) {
        logMalformed(text, QStringLiteral("bad chat message"));
        return;
    }
    if (line.command == QLatin1String("HIST")) {
        if (!m_fetchingHistory && m_olderBefore >= 0) {
            if (++m_histInPage > m_olderCount) {
                dropForViolation(
                    QStringLiteral("sent more than the %1 HIST lines asked for").arg(m_olderCount));
                return;
            }
            // Past a gap (history the server no longer keeps) the answer
            // runs into what is shown already: only the older part counts.
            if (m->seq < m_olderBefore &&
                (m_olderPage.isEmpty() || m->seq > m_olderPage.last().seq))
                m_olderPage.append(*m);
            return;
        }
        if (!m_fetchingHistory) {
            logMalformed(text, QStringLiteral("HIST without a pending HISTORY request"));
            return;
        }
        if (++m_histInPage > HistoryPageSize) {
            dropForViolation(
                QStringLiteral("sent more than the %1 HIST lines asked for").arg(HistoryPageSize));
            return;
        }
        deliver(*m, true);
        return;
    }
    if (!m_fetchingHistory) {
        deliver(*m, false);
        return;
    }
    // Held until the history answer is complete, within bounds: a server
    // that never answers HISTORY must not make us hold its whole stream.
    m_heldLiveBytes += (m->text.size() + m->nick.size()) * 2 + HeldMessageOverhead;
    if (m_heldLive.size() >= MaxHeldLiveMessages || m_heldLiveBytes > MaxHeldLiveBytes) {
        dropForViolation(
            QStringLiteral("sent more than %1 live messages (%2 bytes) while a history "
                           "request went unanswered")
                .arg(m_heldLive.size())
                .arg(m_heldLiveBytes));
        return;
    }
    m_heldLive.append(*m);
}

void ChatClient::handleAck(const protocol::Line &line, const QString &text)
{
    const auto seq = protocol::parseSeq(line.words.value(1));
    if (!seq) {
        logMalformed(text, QStringLiteral("bad seq"));
        return;
    }
    const QString cid = line.words.value(0);
    // Answers come in order: SAYIDs written before this one were answered
    // already (by an ERR), so they no longer wait.
    const auto waiting = std::find(m_awaitingAnswer.begin(), m_awaitingAnswer.end(), cid);
    if (waiting != m_awaitingAnswer.end())
        m_awaitingAnswer.erase(m_awaitingAnswer.begin(), waiting + 1);
    const auto it = std::find_if(m_outbox.begin(), m_outbox.end(),
                                 [&cid](const OutgoingMessage &m) { return m.cid == cid; });
    if (it == m_outbox.end())
        return; // a repeat acknowledged again
    m_outbox.erase(it);
    Q_EMIT messageAcknowledged(cid, *seq);
    if (m_state != State::Online)
        return;
    if (m_rateProbing) {
        // The server accepts again: back to the normal pace.
        m_rateProbing = false;
        m_rateStrikes = 0;
        m_sendTimer.stop();
    }
    flushOutbox();
}

void ChatClient::handleJoin(const protocol::Line &line)
{
    const QDateTime time = protocol::parseTime(line.words.value(0));
    const QString nick = line.words.value(1);
    switch (m_online.add(nick)) {
    case PresenceList::AddResult::Added:
        Q_EMIT memberAdded(nick);
        notePresenceLine(+1);
        break;
    case PresenceList::AddResult::AlreadyPresent:
        break;
    case PresenceList::AddResult::Full:
        notePresenceLine(+1);
        if (!m_presenceFullLogged) {
            m_presenceFullLogged = true;
            Q_EMIT logEvent(QStringLiteral("presence list full at %1 nicks: later joins are "
                                           "not listed")
                                .arg(m_online.size()));
        }
        break;
    }
    Q_EMIT userJoined(time, nick);
}

void ChatClient::handleLeave(const protocol::Line &line)
{
    const QDateTime time = protocol::parseTime(line.words.value(0));
    const QString nick = line.words.value(1);
    if (m_online.remove(nick))
        Q_EMIT memberRemoved(nick);
    // A nick we did not hold left too when the list is only part of the
    // room: the count goes down either way.
    notePresenceLine(-1);
    Q_EMIT userLeft(time, nick, line.text);
}

void ChatClient::notePresenceLine(int sizeChange)
{
    if (m_countOnly) {
        // JOIN/LEAVE resumed: the room shrank back to the presence limit.
        // The list may hold nicks that left unannounced meanwhile, and
        // the count is about to go stale: start over from a whole list.
        m_countOnly = false;
        requestWho();
        return;
    }
    // A room over one ONLINE page but under the presence limit: JOIN and
    // LEAVE keep its count.
    if (m_memberCount > 0)
        setRoomCount(std::max(m_online.size(), m_memberCount + sizeChange));
}

void ChatClient::setRoomCount(int count)
{
    if (count == m_memberCount)
        return;
    m_memberCount = count;
    Q_EMIT memberCountChanged(memberCount());
}

void ChatClient::handleOnline(const protocol::Line &line, bool answersHello)
{
    // The others answer our WHOs in the order they were sent.
    bool page = false;
    if (!answersHello && !m_whoPending.empty()) {
        page = m_whoPending.front();
        m_whoPending.pop_front();
    }
    if (!line.words.isEmpty())
        m_pageCursor = line.words.constLast();
    int dropped = 0;
    if (page) {
        for (const QString &nick : line.words) {
            if (m_online.add(nick) == PresenceList::AddResult::Full)
                ++dropped;
        }
    } else {
        dropped = m_online.reset(line.words);
    }
    if (dropped > 0)
        Q_EMIT logEvent(QStringLiteral("presence list full: %1 of %2 nicks not listed")
                            .arg(dropped)
                            .arg(line.words.size()));
    Q_EMIT onlineChanged(m_online.toList());
    // A whole list with no MEMBERS after it is the room; the MEMBERS that
    // follows a page of a larger room sets the count again.
    if (!page)
        setRoomCount(0);
}

void ChatClient::handleMembers(const protocol::Line &line, const QString &text, bool followsOnline)
{
    bool ok = false;
    const int count = line.words.value(0).toInt(&ok);
    if (!ok || count < 0) {
        logMalformed(text, QStringLiteral("bad member count"));
        return;
    }
    if (followsOnline) {
        setRoomCount(count);
        return;
    }
    // On its own: the room is over the presence limit (or just came back
    // to it). The list is stale when we enter that mode (the JOINs we were
    // told of are a scatter of the room, not a page to continue from) and
    // when the room is no larger than the list (some of it left unseen).
    const bool entering = !m_countOnly;
    m_countOnly = true;
    if (entering) {
        // Said even when the count is the one already held: the mode changed.
        m_memberCount = count;
        Q_EMIT memberCountChanged(memberCount());
    } else {
        setRoomCount(count);
    }
    if (entering || count <= m_online.size())
        requestWho();
}

void ChatClient::handleWelcome(const protocol::Line &line, const QString &text)
{
    const auto info = protocol::parseWelcome(line);
    if (!info) {
        logMalformed(text, QStringLiteral("bad WELCOME"));
        return;
    }
    if (m_state == State::Online) {
        // One WELCOME per connection: a second would restart the catch-up
        // and deliver messages already shown.
        dropForViolation(QStringLiteral("sent a second WELCOME"));
        return;
    }
    m_welcome = info;
    m_sessionKey = info->session;
    m_attempt = 0;
    if (info->rateAnnounced)
        m_pacer.configure(info->rateMessages,
                          Millis{static_cast<qint64>(info->rateWindowS * 1000.0 + 0.5)});
    else
        m_pacer.configure(DefaultRateMessages, DefaultRateWindow);

    const LivenessSettings effective = effectiveSettings();
    if (!(effective.heartbeat == m_liveness->settings().heartbeat)) {
        if (effective.heartbeat.interval != m_settings.heartbeat.interval)
            Q_EMIT logEvent(
                QStringLiteral("heartbeat interval raised from %1 to %2: the server's minping")
                    .arg(formatMillis(m_settings.heartbeat.interval),
                         formatMillis(effective.heartbeat.interval)));
        m_liveness->setSettings(effective);
    }

    setState(State::Online);
    Q_EMIT welcomed(*info);
    if (m_state != State::Online)
        return; // a slot disconnected us

    if (m_lastSeq < 0 || info->seq < m_lastSeq) {
        if (m_lastSeq > info->seq)
            Q_EMIT logEvent(QStringLiteral("the server's sequence went back from %1 to %2; "
                                           "starting over")
                                .arg(m_lastSeq)
                                .arg(info->seq));
        // First contact: start from the recent history the user asked for.
        m_lastSeq = std::max<qint64>(0, info->seq - std::max(0, m_initialHistory));
    }
    if (info->seq > m_lastSeq) {
        m_fetchingHistory = true;
        requestHistoryPage();
    }
    flushOutbox();
}

void ChatClient::handleHistEnd(const protocol::Line &line, const QString &text)
{
    const auto last = protocol::parseSeq(line.words.value(0));
    const QString moreWord = line.words.value(1);
    if (!last || (moreWord != QLatin1String("0") && moreWord != QLatin1String("1"))) {
        logMalformed(text, QStringLiteral("bad HISTEND"));
        return;
    }
    if (!m_fetchingHistory && m_olderBefore >= 0) {
        // Fewer than asked for, or asked from the very start: nothing older.
        const bool atStart = m_olderSince == 0 || m_olderPage.size() < m_olderCount;
        QList<protocol::ChatMessage> page;
        page.swap(m_olderPage);
        m_olderBefore = -1;
        Q_EMIT olderMessagesReceived(page, atStart);
        return;
    }
    if (!m_fetchingHistory)
        return;
    if (moreWord == QLatin1String("1")) {
        if (m_lastSeq > m_historySince) {
            requestHistoryPage();
            return;
        }
        // No progress: asking again would loop forever.
        Q_EMIT logEvent(QStringLiteral("history fetch stopped: the server sent no new messages"));
    }
    m_fetchingHistory = false;
    // Live messages that arrived during the fetch, in order, without repeats.
    QList<protocol::ChatMessage> held;
    held.swap(m_heldLive);
    m_heldLiveBytes = 0;
    std::stable_sort(held.begin(), held.end(),
                     [](const protocol::ChatMessage &a, const protocol::ChatMessage &b) {
                         return a.seq < b.seq;
                     });
    for (const protocol::ChatMessage &m : held)
        deliver(m, false);
}

void ChatClient::handleError(const protocol::Line &line, const QString &text)
{
    bool ok = false;
    const int code = line.words.value(0).toInt(&ok);
    if (!ok) {
        logMalformed(text, QStringLiteral("bad ERR code"));
        return;
    }
    const QString name = line.words.value(1);
    const bool refused = m_state == State::Handshaking &&
                         (code == BadNickCode || code == NickTakenCode || code == BadPasswordCode);
    if (!refused) {
        if (m_state == State::Online && refusesSay(code) && !m_awaitingAnswer.empty()) {
            if (code == RateLimitedCode)
                handleRateLimited();
            else
                m_awaitingAnswer.pop_front(); // kept, and written again after a reconnect
        }
        Q_EMIT serverError(code, name, line.text, false);
        return;
    }
    // Retrying cannot help with a refused nick or password: stop for good.
    m_fatal = true;
    m_reconnectTimer.stop();
    m_liveness->markLocalClose(QStringLiteral("refused by the server: %1").arg(name));
    m_socket->write(protocol::quit(name.toLower()));
    m_socket->flush();
    m_socket->abort();
    setState(State::Disconnected);
    Q_EMIT serverError(code, name, line.text, true);
}

void ChatClient::handleRateLimited()
{
    ++m_rateLimited;
    // The oldest SAYID still waiting is the one refused: only it goes back.
    const QString cid = m_awaitingAnswer.front();
    m_awaitingAnswer.pop_front();
    for (OutgoingMessage &m : m_outbox) {
        if (m.cid == cid)
            m.writtenOnThisConnection = false;
    }
    if (m_rateProbing && m_sendTimer.isActive())
        return; // another refusal of the same burst: one backoff serves all
    // At least one rate interval, doubling while the server keeps refusing.
    const Millis interval = m_pacer.unlimited() ? DefaultRateWindow / DefaultRateMessages
                                                : m_pacer.window() / m_pacer.maxMessages();
    const int doublings = std::min(m_rateStrikes, 16);
    const Millis base = std::max(RateBackoffMin, interval);
    const Millis delay = std::min(RateBackoffMax, Millis{base.count() << doublings});
    ++m_rateStrikes;
    m_rateProbing = true;
    m_sendTimer.start(delay);
    Q_EMIT logEvent(QStringLiteral("rate limited by the server: sending again in %1, one "
                                   "message at a time")
                        .arg(formatMillis(delay)));
}

bool ChatClient::requestOlder(qint64 beforeSeq, int count)
{
    count = std::clamp(count, 1, HistoryPageSize);
    if (m_state != State::Online || m_fetchingHistory || m_olderBefore >= 0 || beforeSeq <= 1)
        return false;
    m_olderBefore = beforeSeq;
    m_olderSince = std::max<qint64>(0, beforeSeq - 1 - count);
    m_olderCount = count;
    m_olderPage.clear();
    m_histInPage = 0;
    write(protocol::historyRequest(m_olderSince, count));
    return true;
}

void ChatClient::requestHistoryPage()
{
    m_historySince = m_lastSeq;
    m_histInPage = 0;
    write(protocol::historyRequest(m_lastSeq, HistoryPageSize));
}

void ChatClient::deliver(const protocol::ChatMessage &message, bool fromHistory)
{
    if (message.seq <= m_lastSeq)
        return; // seen already (history overlapping live messages)
    m_lastSeq = message.seq;
    Q_EMIT messageReceived(message, fromHistory);
}

void ChatClient::flushOutbox()
{
    if (m_state != State::Online || m_sendTimer.isActive())
        return; // waiting for the pacer or a 430 backoff
    const Millis now = monotonicNow();
    for (qsizetype i = 0; i < m_outbox.size(); ++i) {
        if (m_outbox.at(i).writtenOnThisConnection)
            continue;
        if (m_rateProbing && !m_awaitingAnswer.empty())
            return; // after a 430, the next message waits for this one's answer
        if (!m_pacer.tryAcquire(now)) {
            m_sendTimer.start(m_pacer.waitTime(now));
            return;
        }
        OutgoingMessage &m = m_outbox[i];
        m.writtenOnThisConnection = true;
        m_awaitingAnswer.push_back(m.cid);
        write(protocol::sayWithId(m.cid, m.text));
        if (m_state != State::Online)
            return; // dropped: the server does not read
    }
}

void ChatClient::onDead(const DeathVerdict &verdict)
{
    m_connectTimer.stop();
    m_sendTimer.stop();
    m_awaitingAnswer.clear();
    m_fetchingHistory = false;
    m_heldLive.clear(); // fetched again after the reconnect
    m_heldLiveBytes = 0;
    m_olderBefore = -1; // the view asks again when it wants to
    m_olderPage.clear();
    m_countOnly = false;
    m_whoPending.clear();
    m_pageCursor.clear();
    if (!m_online.isEmpty()) {
        m_online.clear();
        m_memberCount = 0;
        Q_EMIT onlineChanged({});
    }
    // Qt may still hold the descriptor after an error; close it outside the
    // error signal, unless a new connection has begun by then.
    QTimer::singleShot(0, this, [this] {
        if ((m_state == State::Disconnected || m_state == State::WaitingToReconnect) &&
            m_socket->state() != QAbstractSocket::UnconnectedState)
            m_socket->abort();
    });

    if (m_violation && !m_userDisconnect && !m_fatal) {
        // We closed, but because of the server: retried like a failure,
        // with a backoff that keeps growing while the server misbehaves.
        m_violation = false;
        Q_EMIT logEvent(QStringLiteral("disconnected: %1").arg(verdict.detail));
        if (!m_autoReconnect) {
            setState(State::Disconnected);
            return;
        }
        m_attempt = std::max(m_attempt, m_violationStreak - 1);
        scheduleReconnect();
        return;
    }
    if (m_userDisconnect || m_fatal || !verdict.isFailure()) {
        Q_EMIT logEvent(QStringLiteral("disconnected"));
        setState(State::Disconnected);
        return;
    }
    Q_EMIT logEvent(QStringLiteral("connection lost: %1").arg(verdict.describe()));
    Q_EMIT connectionLost(verdict);
    if (m_state != State::Online && m_state != State::Handshaking)
        return; // a slot took over (disconnect or a new connect)
    if (m_autoReconnect)
        scheduleReconnect();
    else
        setState(State::Disconnected);
}

void ChatClient::scheduleReconnect()
{
    ++m_attempt;
    // 1 s, 2 s, 4 s ... up to ReconnectMax, then +-20% so clients spread out.
    const int doublings = std::min(m_attempt - 1, 16);
    const qint64 base = std::min(ReconnectMin.count() << doublings, ReconnectMax.count());
    const double factor =
        1.0 + ReconnectJitter * (2.0 * QRandomGenerator::global()->generateDouble() - 1.0);
    const Millis delay{static_cast<qint64>(static_cast<double>(base) * factor)};
    setState(State::WaitingToReconnect);
    m_reconnectTimer.start(delay);
    Q_EMIT logEvent(
        QStringLiteral("reconnecting in %1 (attempt %2)").arg(formatMillis(delay)).arg(m_attempt));
    Q_EMIT reconnectScheduled(delay, m_attempt);
}

} // namespace longline
