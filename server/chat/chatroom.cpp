#include "chatroom.h"

#include "heartbeatmonitor.h"
#include "participant.h"

#include <QRandomGenerator>
#include <algorithm>

namespace longline::server {

using protocol::ErrorCode;

namespace {

const QString ServerSoftware = QStringLiteral("longline/" LONGLINE_VERSION);

bool isClientCommand(const QString &command)
{
    static const QStringList commands = {
        QStringLiteral("HELLO"),   QStringLiteral("SAY"),  QStringLiteral("SAYID"),
        QStringLiteral("HISTORY"), QStringLiteral("WHO"),  QStringLiteral("PING"),
        QStringLiteral("PONG"),    QStringLiteral("QUIT"), QStringLiteral("PASS")};
    return commands.contains(command);
}

// Allowed before HELLO succeeded (docs/protocol.md).
bool allowedUnregistered(const QString &command)
{
    return command == QLatin1String("HELLO") || command == QLatin1String("PASS") ||
           command == QLatin1String("PING") || command == QLatin1String("PONG") ||
           command == QLatin1String("QUIT");
}

// The command word as typed, safe to echo back in an error text.
QString commandWordForDisplay(const QString &line)
{
    const QString trimmed = line.trimmed();
    qsizetype end = 0;
    while (end < trimmed.size() && trimmed.at(end) != QLatin1Char(' ') &&
           trimmed.at(end) != QLatin1Char('\t'))
        ++end;
    constexpr qsizetype MaxShown = 32;
    QString word = protocol::sanitizeForDisplay(trimmed.left(std::min(end, MaxShown)));
    if (end > MaxShown)
        word += QStringLiteral("...");
    return word;
}

QString secondsText(Millis ms)
{
    return QString::number(ms.count() / 1000.0, 'g', 6);
}

} // namespace

ChatRoom::ChatRoom(const ServerConfig &config, HistoryStore &store, ServerLog &log)
    : m_config(config), m_store(store), m_log(log)
{
}

void ChatRoom::sendError(Participant *session, ErrorCode code, const QString &text)
{
    session->send(protocol::error(code, text));
    m_log.event("error", {{"id", QString::number(session->id())},
                          {"peer", session->peer()},
                          {"nick", session->nick()},
                          {"code", QString::number(static_cast<int>(code))},
                          {"name", protocol::errorName(code)},
                          {"text", text}});
}

void ChatRoom::handleRejected(Participant *session, LineFramer::Status status, qsizetype rawSize)
{
    if (status == LineFramer::Status::TooLong)
        sendError(session, ErrorCode::LineTooLong,
                  QStringLiteral("line of %1 bytes discarded; the limit is %2")
                      .arg(rawSize)
                      .arg(m_config.maxLine));
    else
        sendError(session, ErrorCode::BadEncoding,
                  QStringLiteral("line discarded: it is not valid UTF-8"));
}

void ChatRoom::handleLine(Participant *session, const QString &text)
{
    if (text.trimmed().isEmpty())
        return; // empty lines are ignored (docs/protocol.md, Framing)

    const protocol::ParseResult parsed = protocol::parse(text);
    const QString command =
        parsed.ok() ? parsed.line->command : commandWordForDisplay(text).toUpper();
    if (!isClientCommand(command)) {
        sendError(session, ErrorCode::UnknownCommand,
                  QStringLiteral("unknown command '%1'").arg(commandWordForDisplay(text)));
        return;
    }
    if (session->state() != Participant::State::Registered && !allowedUnregistered(command)) {
        sendError(session, ErrorCode::NotRegistered, QStringLiteral("say HELLO <nick> first"));
        return;
    }
    if (!parsed.ok()) {
        sendError(session, parsed.error->code, parsed.error->message);
        return;
    }
    const protocol::Line &line = *parsed.line;
    if (command == QLatin1String("PASS")) {
        onPass(session, line);
    } else if (command == QLatin1String("HELLO")) {
        onHello(session, line);
    } else if (command == QLatin1String("SAY")) {
        onSay(session, QString(), line.text);
    } else if (command == QLatin1String("SAYID")) {
        onSay(session, line.words.at(0), line.text);
    } else if (command == QLatin1String("HISTORY")) {
        onHistory(session, line);
    } else if (command == QLatin1String("WHO")) {
        session->send(protocol::online(onlineNicks()));
    } else if (command == QLatin1String("PING")) {
        onPing(session, line);
    } else if (command == QLatin1String("PONG")) {
        session->notePong(line.words.at(0));
    } else if (command == QLatin1String("QUIT")) {
        onQuit(session, line);
    }
}

void ChatRoom::onHello(Participant *session, const protocol::Line &line)
{
    if (session->state() == Participant::State::Registered) {
        sendError(session, ErrorCode::AlreadyRegistered,
                  QStringLiteral("you are registered as %1").arg(session->nick()));
        return;
    }
    if (!m_config.password.isEmpty() && !session->passwordAccepted()) {
        // Not a hint which part was wrong, and no second try on this
        // connection: guessing costs a new connection each time.
        sendError(session, ErrorCode::BadPassword,
                  QStringLiteral("this server needs the right PASS before HELLO"));
        m_log.event("auth_failed",
                    {{"id", QString::number(session->id())}, {"peer", session->peer()}});
        const QString reason = QStringLiteral("bad password");
        session->close(reason, reason);
        return;
    }
    const QString nick = line.words.at(0);
    const QString key = line.words.size() > 1 ? line.words.at(1) : QString();
    QString why;
    if (!protocol::isValidNick(nick, &why)) {
        sendError(session, ErrorCode::BadNick, why);
        return;
    }
    if (!key.isEmpty() && !protocol::isValidToken(key)) {
        sendError(session, ErrorCode::BadArgument, QStringLiteral("malformed session key"));
        return;
    }
    const QString nickKey = nick.toCaseFolded();
    Participant *holder = m_byNick.value(nickKey);
    if (holder && (key.isEmpty() || key != holder->sessionKey())) {
        sendError(session, ErrorCode::NickTaken,
                  QStringLiteral("%1 is online already").arg(holder->nick()));
        return;
    }
    if (holder) {
        // The same client reconnected before we noticed its old connection
        // died: the old one goes, the new one takes the nick.
        retire(holder, QStringLiteral("replaced"));
        holder->close(QStringLiteral("replaced"), QStringLiteral("replaced"));
    }
    const QString sessionKey = newSessionKey();
    session->setRegistered(nick, nickKey, sessionKey);
    m_byNick.insert(nickKey, session);
    session->send(protocol::welcome(welcomeFor(nick, sessionKey)));
    session->send(protocol::online(onlineNicks()));
    broadcast(protocol::join(QDateTime::currentDateTimeUtc(), nick), session);
    QList<LogField> fields = {
        {"id", QString::number(session->id())},
        {"peer", session->peer()},
        {"nick", nick},
        {"online", QString::number(onlineCount())},
        {"tls", session->isEncrypted() ? QStringLiteral("1") : QStringLiteral("0")}};
    if (holder)
        fields.append({"replaced_id", QString::number(holder->id())});
    m_log.event("hello", fields);
}

void ChatRoom::onPass(Participant *session, const protocol::Line &line)
{
    if (session->state() == Participant::State::Registered) {
        sendError(session, ErrorCode::AlreadyRegistered, QStringLiteral("PASS comes before HELLO"));
        return;
    }
    // A server without a password takes any PASS (clients may send one
    // before they know): there is nothing to compare against.
    if (m_config.password.isEmpty()) {
        session->setPasswordAccepted(true);
        return;
    }
    session->setPasswordAccepted(
        protocol::constantTimeEquals(line.text.toUtf8(), m_config.password.toUtf8()));
}

void ChatRoom::onSay(Participant *session, const QString &cid, const QString &text)
{
    if (!cid.isEmpty() && !protocol::isValidToken(cid)) {
        sendError(session, ErrorCode::BadArgument,
                  QStringLiteral("a message id is 1 to %1 printable ASCII characters")
                      .arg(protocol::MaxTokenLength));
        return;
    }
    if (protocol::hasControlChars(text)) {
        sendError(session, ErrorCode::ControlChars,
                  QStringLiteral("control characters are not allowed in chat text"));
        return;
    }
    if (!cid.isEmpty()) {
        if (const auto earlier = m_store.findByCid(session->nickKey(), cid)) {
            // A retry of a message we already stored: confirm, do not repeat.
            session->send(protocol::ack(cid, earlier->seq));
            return;
        }
    }
    const Millis now = monotonicNow();
    if (!session->rateLimiter().tryAcquire(now)) {
        sendError(session, ErrorCode::RateLimited,
                  QStringLiteral("more than %1 messages in 10 s; message not accepted, retry in "
                                 "%2")
                      .arg(m_config.ratePer10s)
                      .arg(formatMillis(session->rateLimiter().retryAfter(now))));
        return;
    }
    QString error;
    const auto stored = m_store.append(session->nick(), session->nickKey(), text, cid,
                                       QDateTime::currentDateTimeUtc(), &error);
    if (!stored) {
        m_log.event("db_error", {{"id", QString::number(session->id())}, {"error", error}});
        sendError(session, ErrorCode::Internal,
                  QStringLiteral("message could not be stored; not delivered"));
        return;
    }
    // Stored first, then told: an ACK or MSG always names a durable message.
    if (!cid.isEmpty())
        session->send(protocol::ack(cid, stored->seq));
    broadcast(protocol::msg(*stored));
}

void ChatRoom::onHistory(Participant *session, const protocol::Line &line)
{
    const auto since = protocol::parseSeq(line.words.at(0));
    if (!since) {
        sendError(session, ErrorCode::BadArgument,
                  QStringLiteral("since-seq must be a number from 0 to 9223372036854775807"));
        return;
    }
    int max = m_config.maxHistory;
    if (line.words.size() > 1) {
        const auto asked = protocol::parseSeq(line.words.at(1));
        if (!asked || *asked == 0) {
            sendError(session, ErrorCode::BadArgument,
                      QStringLiteral("max must be a positive number (at most %1 are sent)")
                          .arg(m_config.maxHistory));
            return;
        }
        max = static_cast<int>(std::min<qint64>(*asked, m_config.maxHistory));
    }
    QString error;
    const HistoryStore::Page page = m_store.page(*since, max, &error);
    if (!error.isEmpty()) {
        m_log.event("db_error", {{"id", QString::number(session->id())}, {"error", error}});
        sendError(session, ErrorCode::Internal, QStringLiteral("history could not be read"));
        return;
    }
    for (const protocol::ChatMessage &m : page.messages)
        session->send(protocol::hist(m));
    const qint64 last = page.messages.isEmpty() ? *since : page.messages.last().seq;
    session->send(protocol::histEnd(last, page.more));
}

void ChatRoom::onPing(Participant *session, const protocol::Line &line)
{
    const QString token = line.words.at(0);
    if (!protocol::isValidToken(token)) {
        sendError(session, ErrorCode::BadArgument,
                  QStringLiteral("a PING token is 1 to %1 printable ASCII characters")
                      .arg(protocol::MaxTokenLength));
        return;
    }
    const QString tooFast = QStringLiteral("PING at most every %1 s (strike %2 of %3)");
    switch (session->pingGuard().notePing(monotonicNow())) {
    case PingGuard::Verdict::Accept:
        session->send(protocol::pong(token));
        break;
    case PingGuard::Verdict::TooFast:
        sendError(session, ErrorCode::PingTooFast,
                  tooFast.arg(secondsText(m_config.minClientPing))
                      .arg(session->pingGuard().strikes())
                      .arg(PingGuard::MaxStrikes));
        break;
    case PingGuard::Verdict::TooManyStrikes: {
        sendError(session, ErrorCode::PingTooFast,
                  tooFast.arg(secondsText(m_config.minClientPing))
                      .arg(session->pingGuard().strikes())
                      .arg(PingGuard::MaxStrikes));
        const QString reason = QStringLiteral("too_many_pings");
        retire(session, reason);
        session->close(reason, reason);
        break;
    }
    }
}

void ChatRoom::onQuit(Participant *session, const protocol::Line &line)
{
    // The reason is echoed to everyone: never let control characters through.
    const QString said = protocol::sanitizeForDisplay(line.text.trimmed());
    const QString reason =
        said.isEmpty() ? QStringLiteral("quit") : QStringLiteral("quit: ") + said;
    retire(session, reason);
    session->close(reason, reason);
}

void ChatRoom::retire(Participant *session, const QString &leaveReason)
{
    const auto it = m_byNick.constFind(session->nickKey());
    if (session->nickKey().isEmpty() || it == m_byNick.constEnd() || it.value() != session)
        return;
    m_byNick.erase(it);
    broadcast(protocol::leave(QDateTime::currentDateTimeUtc(), session->nick(), leaveReason),
              session);
}

QList<QString> ChatRoom::onlineNicks() const
{
    QList<QString> nicks;
    nicks.reserve(m_byNick.size());
    for (const Participant *s : m_byNick)
        nicks.append(s->nick());
    return nicks;
}

void ChatRoom::broadcast(const QByteArray &line, const Participant *except)
{
    // send() never re-enters the room (a slow reader is dropped later, from
    // the event loop), so iterating the registry directly is safe.
    for (Participant *s : std::as_const(m_byNick)) {
        if (s != except)
            s->send(line);
    }
}

protocol::WelcomeInfo ChatRoom::welcomeFor(const QString &nick, const QString &sessionKey) const
{
    protocol::WelcomeInfo w;
    w.nick = nick;
    w.server = ServerSoftware;
    w.seq = m_store.lastSeq();
    const HeartbeatOptions &hb = m_config.liveness.heartbeat;
    w.heartbeatOn = hb.enabled;
    w.heartbeatIntervalS = hb.interval.count() / 1000.0;
    w.heartbeatTimeoutS = hb.timeout.count() / 1000.0;
    w.minPingS = m_config.minClientPing.count() / 1000.0;
    w.maxLine = m_config.maxLine;
    w.maxHistory = m_config.maxHistory;
    w.rateAnnounced = true;
    w.rateMessages = m_config.ratePer10s;
    w.rateWindowS = std::chrono::duration<double>(RateLimiter::DefaultWindow).count();
    w.session = sessionKey;
    return w;
}

QString ChatRoom::newSessionKey()
{
    // 64 random bits: unguessable enough that only the client that was
    // told the key can take its own session over.
    return QStringLiteral("%1").arg(QRandomGenerator::system()->generate64(), 16, 16,
                                    QLatin1Char('0'));
}

} // namespace longline::server
