#include "chatroom.h"

#include "metrics.h"

#include "heartbeatmonitor.h"
#include "nickskeleton.h"
#include "participant.h"

#include <QRandomGenerator>
#include <algorithm>
#include <cstring>

namespace longline::server {

using protocol::ErrorCode;

namespace {

const QString ServerSoftware = QStringLiteral("longline/" LONGLINE_VERSION);

bool isClientCommand(const QString &command)
{
    static const QStringList commands = {QStringLiteral("HELLO"), QStringLiteral("SAY"),
                                         QStringLiteral("SAYID"), QStringLiteral("HISTORY"),
                                         QStringLiteral("WHO"),   QStringLiteral("PING"),
                                         QStringLiteral("PONG"),  QStringLiteral("QUIT"),
                                         QStringLiteral("PASS"),  QStringLiteral("PROBE")};
    return commands.contains(command);
}

// Allowed before HELLO succeeded (docs/protocol.md).
bool allowedUnregistered(const QString &command)
{
    return command == QLatin1String("HELLO") || command == QLatin1String("PASS") ||
           command == QLatin1String("PING") || command == QLatin1String("PONG") ||
           command == QLatin1String("QUIT") || command == QLatin1String("PROBE");
}

bool isSeparator(QChar c)
{
    return c == QLatin1Char(' ') || c == QLatin1Char('\t');
}

// Only SP and TAB separate words (docs/protocol.md); U+3000 and other
// Unicode spaces are characters like any other.
bool isBlank(const QString &line)
{
    return std::all_of(line.cbegin(), line.cend(), isSeparator);
}

// The command word as typed, safe to echo back in an error text.
QString commandWordForDisplay(const QString &line)
{
    qsizetype start = 0;
    while (start < line.size() && isSeparator(line.at(start)))
        ++start;
    const QString trimmed = line.mid(start);
    qsizetype end = 0;
    while (end < trimmed.size() && !isSeparator(trimmed.at(end)))
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

// Whole seconds, rounded up: "retry in 0 s" would invite a retry too early.
QString retrySeconds(Millis ms)
{
    return QString::number((ms.count() + 999) / 1000);
}

QString unknownCommandText(const QString &line)
{
    const QString word = commandWordForDisplay(line);
    const auto nonAscii =
        std::find_if(word.cbegin(), word.cend(), [](QChar c) { return c.unicode() > 0x7e; });
    if (nonAscii == word.cend())
        return QStringLiteral("unknown command '%1'").arg(word);
    return QStringLiteral("unknown command '%1': commands are ASCII letters, U+%2 is not one")
        .arg(
            word,
            QString::number(nonAscii->unicode(), 16).toUpper().rightJustified(4, QLatin1Char('0')));
}

// At most `max` characters, never splitting a surrogate pair.
QString capped(const QString &text, int max)
{
    if (text.size() <= max)
        return text;
    qsizetype cut = max;
    if (text.at(cut - 1).isHighSurrogate())
        --cut;
    return text.left(cut) + QStringLiteral("...");
}

// Errors with their own policy (rate limits, ping strikes) do not count
// against a connection's error budget.
bool countsAsProtocolError(ErrorCode code)
{
    return code != ErrorCode::RateLimited && code != ErrorCode::PingTooFast;
}

} // namespace

ChatRoom::ChatRoom(const ServerConfig &config, MessageStore &store, ServerLog &log)
    : m_config(config), m_store(store), m_log(log)
{
}

void ChatRoom::sendError(Participant *session, ErrorCode code, const QString &text)
{
    session->send(protocol::error(code, text));
    const Millis now = monotonicNow();
    LogThrottle &throttle = session->errorLog();
    if (const int suppressed = throttle.flush(now, m_config.logSummaryInterval))
        logSuppressedErrors(session, suppressed);
    if (throttle.note(now))
        m_log.event("error", {{"id", QString::number(session->id())},
                              {"peer", session->peer()},
                              {"nick", session->nick()},
                              {"code", QString::number(static_cast<int>(code))},
                              {"name", protocol::errorName(code)},
                              {"text", text}});
    if (countsAsProtocolError(code) && session->isOpen() && !session->errorBudget().spend(now)) {
        const QString reason = QStringLiteral("too many errors");
        m_log.event("error_flood", {{"id", QString::number(session->id())},
                                    {"peer", session->peer()},
                                    {"nick", session->nick()},
                                    {"limit", QString::number(ErrorBudget::MaxErrors)},
                                    {"window", formatMillis(ErrorBudget::Window)}});
        retire(session, reason);
        session->close(reason, reason);
    }
}

void ChatRoom::logSuppressedErrors(const Participant *session, int count)
{
    m_log.event("errors_suppressed", {{"id", QString::number(session->id())},
                                      {"peer", session->peer()},
                                      {"nick", session->nick()},
                                      {"count", QString::number(count)}});
}

void ChatRoom::logAuthEvent(const char *event, QList<LogField> fields, Millis now)
{
    flushLogSummaries(now);
    if (m_authLog.note(now))
        m_log.event(event, fields);
}

void ChatRoom::flushLogSummaries(Millis now)
{
    if (const int suppressed = m_authLog.flush(now, m_config.logSummaryInterval))
        m_log.event("auth_summary",
                    {{"suppressed", QString::number(suppressed)},
                     {"interval", formatMillis(m_config.logSummaryInterval)},
                     {"tracked_addresses", QString::number(m_auth.trackedAddresses())}});
}

void ChatRoom::handleRejected(Participant *session, LineFramer::Status status, qsizetype rawSize)
{
    // It may have been a SAYID: the refusal keeps its place among the
    // answers to the lines before it (onSay).
    const bool tooLong = status == LineFramer::Status::TooLong;
    const ErrorCode code = tooLong ? ErrorCode::LineTooLong : ErrorCode::BadEncoding;
    const QString text = tooLong ? QStringLiteral("line of %1 bytes discarded; the limit is %2")
                                       .arg(rawSize)
                                       .arg(m_config.maxLine)
                                 : QStringLiteral("line discarded: it is not valid UTF-8");
    refuseInOrder(session, code, text);
}

void ChatRoom::handleLine(Participant *session, const QString &text)
{
    if (!session->isOpen())
        return; // what a closing connection still had in flight
    flushLogSummaries(monotonicNow());
    if (session->state() == Participant::State::Connected &&
        session->noteUnregisteredLine() > MaxLinesBeforeHello) {
        sendError(session, ErrorCode::NotRegistered,
                  QStringLiteral("no HELLO in %1 lines; closing").arg(MaxLinesBeforeHello));
        const QString reason = QStringLiteral("no HELLO");
        session->close(reason, reason);
        return;
    }
    if (isBlank(text))
        return; // empty lines are ignored (docs/protocol.md, Framing)

    // The line every client sends most, in its one canonical form ("PING",
    // one space, a valid token): answered without the general parse. Any
    // other form of PING takes the general path below, with the same result.
    static constexpr QLatin1String PingPrefix("PING ");
    if (text.startsWith(PingPrefix)) {
        const QStringView token = QStringView(text).mid(PingPrefix.size());
        if (protocol::isValidToken(token)) {
            answerPing(session, token);
            return;
        }
    }

    const protocol::ParseResult parsed = protocol::parse(text);
    const QString command =
        parsed.ok() ? parsed.line->command : commandWordForDisplay(text).toUpper();
    if (!isClientCommand(command)) {
        sendError(session, ErrorCode::UnknownCommand, unknownCommandText(text));
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
        sendOnlinePage(session, line.words.value(0));
    } else if (command == QLatin1String("PING")) {
        onPing(session, line);
    } else if (command == QLatin1String("PONG")) {
        session->notePong(line.words.at(0));
    } else if (command == QLatin1String("QUIT")) {
        onQuit(session, line);
    } else if (command == QLatin1String("PROBE")) {
        onProbe(session, line);
    }
}

void ChatRoom::onProbe(Participant *session, const protocol::Line &line)
{
    if (session->state() == Participant::State::Registered) {
        sendError(session, ErrorCode::AlreadyRegistered,
                  QStringLiteral("PROBE is for a connection of its own, before any HELLO"));
        return;
    }
    const QString token = line.words.at(0);
    if (!protocol::isValidToken(token)) {
        sendError(session, ErrorCode::BadArgument,
                  QStringLiteral("a probe token is 1 to %1 printable ASCII characters")
                      .arg(protocol::MaxTokenLength));
        return;
    }
    bool ok = false;
    const qint64 delayMs = line.words.at(1).toLongLong(&ok);
    if (!ok || delayMs < 1 || delayMs > m_config.maxProbeDelay.count()) {
        sendError(session, ErrorCode::BadArgument,
                  QStringLiteral("delay-ms must be 1 to %1").arg(m_config.maxProbeDelay.count()));
        return;
    }
    const Millis now = monotonicNow();
    if (session->probePending() || !session->rateLimiter().tryAcquire(now)) {
        sendError(session, ErrorCode::RateLimited,
                  session->probePending()
                      ? QStringLiteral("one PROBE at a time on a connection")
                      : QStringLiteral("more than %1 messages and probes in 10 s")
                            .arg(m_config.ratePer10s));
        return;
    }
    session->markProbe();
    session->startProbe(token, Millis{delayMs});
}

void ChatRoom::onHello(Participant *session, const protocol::Line &line)
{
    if (session->state() == Participant::State::Registered) {
        sendError(session, ErrorCode::AlreadyRegistered,
                  QStringLiteral("you are registered as %1").arg(session->nick()));
        return;
    }
    if (session->isProbe()) {
        sendError(session, ErrorCode::AlreadyRegistered,
                  QStringLiteral("a connection that sent PROBE only measures the path; chat on "
                                 "a new one"));
        return;
    }
    const Millis now = monotonicNow();
    if (!passwordGate(session, now))
        return;
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
    const QString skeleton = protocol::nickSkeleton(nick);
    if (const auto alike = m_nickGuard.lookAlikeOf(nickKey, skeleton, now)) {
        sendError(session, ErrorCode::BadNick,
                  QStringLiteral("%1 looks like %2, who %3")
                      .arg(nick, alike->nick,
                           alike->online ? QStringLiteral("is online")
                                         : QStringLiteral("was here recently")));
        return;
    }
    Participant *holder = m_byNick.value(nickKey);
    if (holder && (key.isEmpty() || key != holder->sessionKey()) && holder->peerHasClosed()) {
        // Its client has gone (a quit and an instant return, the old
        // connection's end not read yet): the nick is free, and what the
        // old connection still holds unread is not taken under it.
        retire(holder, QStringLiteral("closed by peer"));
        holder->close(QStringLiteral("replaced"), QStringLiteral("replaced"));
        holder = nullptr;
    }
    if (holder && (key.isEmpty() || key != holder->sessionKey())) {
        sendError(session, ErrorCode::NickTaken,
                  QStringLiteral("%1 is online already").arg(holder->nick()));
        return;
    }
    const bool announce = m_presence.admitAnnouncement(session->peerAddress(), now);
    bool shownAlready = false;
    if (holder) {
        // The same client reconnected before we noticed its old connection
        // died: the old one goes, the new one takes the nick. Over the
        // presence budget, neither LEAVE nor JOIN is sent, and the others
        // go on seeing the nick as they did.
        if (!announce) {
            shownAlready = holder->presenceAnnounced();
            holder->setPresenceAnnounced(false);
        }
        retire(holder, QStringLiteral("replaced"));
        holder->close(QStringLiteral("replaced"), QStringLiteral("replaced"));
    }
    const QString sessionKey = newSessionKey();
    session->setRegistered(nick, sessionKey);
    m_byNick.insert(nickKey, session);
    m_nickGuard.noteOnline(nick, skeleton);
    session->send(protocol::welcome(welcomeFor(nick, sessionKey)));
    sendOnlinePage(session, QString());
    m_countChanged = true;
    // In a large room nobody hears of single joins: the count says it.
    const bool announced = announce && !isAuditorium();
    session->setPresenceAnnounced(announced || shownAlready);
    if (announced)
        broadcast(protocol::join(QDateTime::currentDateTimeUtc(), nick), session);
    QList<LogField> fields = {
        {"id", QString::number(session->id())},
        {"peer", session->peer()},
        {"nick", nick},
        {"online", QString::number(onlineCount())},
        {"tls", session->isEncrypted() ? QStringLiteral("1") : QStringLiteral("0")},
        {"announced", announced ? QStringLiteral("1") : QStringLiteral("0")}};
    if (holder)
        fields.append({"replaced_id", QString::number(holder->id())});
    m_log.event("hello", fields);
}

bool ChatRoom::passwordGate(Participant *session, Millis now)
{
    if (m_config.password.isEmpty())
        return true;
    QList<LogField> fields = {{"id", QString::number(session->id())}, {"peer", session->peer()}};
    const Millis wait = m_auth.retryAfter(session->peerAddress(), now);
    if (wait > Millis{0}) {
        // The password is not even looked at: a right guess made during
        // the delay must look like a wrong one.
        const QString retry = QStringLiteral("retry in %1 s").arg(retrySeconds(wait));
        session->send(protocol::error(
            ErrorCode::RateLimited,
            QStringLiteral("too many wrong passwords from your address; %1").arg(retry)));
        fields.append({"retry_in", formatMillis(wait)});
        logAuthEvent("auth_refused", fields, now);
        session->close(retry, QStringLiteral("password delay"));
        return false;
    }
    if (session->passwordAccepted())
        return true;
    // Not a hint which part was wrong, and no second try on this
    // connection: guessing costs a new connection each time, and after a
    // few a growing delay (AuthThrottle).
    const Millis delay = m_auth.noteFailure(session->peerAddress(), now);
    QString text = QStringLiteral("this server needs the right PASS before HELLO");
    if (delay > Millis{0})
        text += QStringLiteral("; retry in %1 s").arg(retrySeconds(delay));
    session->send(protocol::error(ErrorCode::BadPassword, text));
    fields.append({"delay", formatMillis(delay)});
    logAuthEvent("auth_failed", fields, now);
    const QString reason = QStringLiteral("bad password");
    session->close(reason, reason);
    return false;
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
    const quint64 id = session->id();
    const QString nickKey = session->nickKey();
    // Every answer to a SAY or SAYID (ACK, or an ERR) keeps the order of the
    // lines: a client matches an ERR to its oldest message still waiting,
    // and takes an ACK as the answer to every SAYID before it. A refusal
    // decided at once waits for the store's answers to the lines before it.
    auto refuse = [this, session](ErrorCode code, const QString &text) {
        refuseInOrder(session, code, text);
    };
    if (!cid.isEmpty() && !protocol::isValidToken(cid)) {
        refuse(ErrorCode::BadArgument,
               QStringLiteral("a message id is 1 to %1 printable ASCII characters")
                   .arg(protocol::MaxTokenLength));
        return;
    }
    if (protocol::hasControlChars(text)) {
        refuse(ErrorCode::ControlChars,
               QStringLiteral("control characters are not allowed in chat text"));
        return;
    }
    const Millis now = monotonicNow();
    if (!session->rateLimiter().tryAcquire(now)) {
        auto rateLimited = [this](Participant *s) {
            sendError(s, ErrorCode::RateLimited,
                      QStringLiteral("more than %1 messages in 10 s; message not accepted, retry "
                                     "in %2")
                          .arg(m_config.ratePer10s)
                          .arg(formatMillis(s->rateLimiter().retryAfter(monotonicNow()))));
        };
        if (cid.isEmpty()) {
            inOrder([this, id, nickKey, rateLimited] {
                if (Participant *s = member(id, nickKey))
                    rateLimited(s);
            });
            return;
        }
        // A retry of a message stored before is confirmed whatever the
        // rate: it costs nothing, and refusing it would make the client
        // send it again.
        ++m_asked;
        m_store.find(nickKey, cid,
                     [this, id, nickKey, cid,
                      rateLimited](const std::optional<protocol::ChatMessage> &earlier) {
                         if (Participant *s = member(id, nickKey)) {
                             if (earlier)
                                 s->send(protocol::ack(cid, earlier->seq));
                             else
                                 rateLimited(s);
                         }
                         answered();
                     });
        return;
    }
    ++m_asked;
    m_store.append({session->nick(), nickKey, text, cid, QDateTime::currentDateTimeUtc()},
                   [this, id, nickKey, cid, now](const MessageStore::Appended &result) {
                       stored(id, nickKey, cid, now, result);
                       answered();
                   });
}

void ChatRoom::stored(quint64 sessionId, const QString &nickKey, const QString &cid,
                      Millis countedAt, const MessageStore::Appended &result)
{
    Participant *session = member(sessionId, nickKey);
    if (!result.message) {
        m_log.event("db_error", {{"id", QString::number(sessionId)}, {"error", result.error}});
        if (session)
            sendError(session, ErrorCode::Internal,
                      QStringLiteral("message could not be stored; not delivered"));
    } else if (result.duplicate) {
        // A retry of a message we already stored: confirm, do not repeat.
        if (session) {
            session->rateLimiter().refund(countedAt);
            session->sendNow(protocol::ack(cid, result.message->seq));
        }
    } else {
        if (m_metrics) {
            m_metrics->storeCommitSeconds.observe(static_cast<double>(result.commitNs) / 1e9);
            ++m_metrics->messagesStored;
            m_metrics->storeTransactions += result.firstOfTransaction ? 1 : 0;
            m_metrics->messagesDelivered += static_cast<quint64>(m_byNick.size());
        }
        // Stored first, then told: an ACK or MSG always names a durable
        // message. The sender may have gone meanwhile; the others still
        // hear it, and a retry of it later is answered as a duplicate.
        // The ACK goes out at once: the sender waits on it, the room's
        // readers only on the MSG, which the batcher writes in slices.
        if (session && !cid.isEmpty())
            session->sendNow(protocol::ack(cid, result.message->seq));
        broadcast(protocol::msg(*result.message));
    }
}

void ChatRoom::answered()
{
    ++m_answered;
    // In the order queued; each waits for the answers asked before it.
    while (!m_afterAnswers.empty() && m_afterAnswers.front().first <= m_answered) {
        const std::function<void()> fn = std::move(m_afterAnswers.front().second);
        m_afterAnswers.pop_front();
        fn();
    }
}

void ChatRoom::inOrder(std::function<void()> fn)
{
    if (m_answered == m_asked && m_afterAnswers.empty())
        fn();
    else
        m_afterAnswers.emplace_back(m_asked, std::move(fn));
}

void ChatRoom::whenStored(std::function<void()> fn)
{
    inOrder(std::move(fn));
}

void ChatRoom::sendInOrder(Participant *session, const QByteArray &line)
{
    if (session->state() != Participant::State::Registered) {
        session->send(line);
        return;
    }
    inOrder([this, id = session->id(), nickKey = session->nickKey(), line] {
        if (Participant *s = member(id, nickKey))
            s->send(line);
    });
}

void ChatRoom::refuseInOrder(Participant *session, ErrorCode code, const QString &text)
{
    if (session->state() != Participant::State::Registered) {
        sendError(session, code, text);
        return;
    }
    inOrder([this, id = session->id(), nickKey = session->nickKey(), code, text] {
        if (Participant *s = member(id, nickKey))
            sendError(s, code, text);
    });
}

Participant *ChatRoom::member(quint64 id, const QString &nickKey) const
{
    Participant *s = m_byNick.value(nickKey);
    return s && s->id() == id && s->isOpen() ? s : nullptr;
}

void ChatRoom::onHistory(Participant *session, const protocol::Line &line)
{
    // Every answer keeps the order of the client's lines (onSay): a refusal
    // or an empty answer waits for the store's answers to the lines before.
    const auto since = protocol::parseSeq(line.words.at(0));
    if (!since) {
        refuseInOrder(session, ErrorCode::BadArgument,
                      QStringLiteral("since-seq must be a number from 0 to 9223372036854775807"));
        return;
    }
    int max = m_config.maxHistory;
    if (line.words.size() > 1) {
        const auto asked = protocol::parseSeq(line.words.at(1));
        if (!asked || *asked == 0) {
            refuseInOrder(session, ErrorCode::BadArgument,
                          QStringLiteral("max must be a positive number (at most %1 are sent)")
                              .arg(m_config.maxHistory));
            return;
        }
        max = static_cast<int>(std::min<qint64>(*asked, m_config.maxHistory));
    }
    if (session->historyCursor()) {
        // One answer at a time: a second request would only queue more
        // output behind the first.
        refuseInOrder(session, ErrorCode::RateLimited,
                      QStringLiteral("a HISTORY answer is still being sent; ask again after its "
                                     "HISTEND"));
        return;
    }
    const qint64 upTo = m_store.latestSeq();
    if (upTo <= *since) {
        // The client knew everything there is: only the end of the answer.
        sendInOrder(session, protocol::histEnd(*since, false));
        return;
    }
    session->setHistoryCursor(Participant::HistoryCursor{*since, max, upTo, false});
    continueHistory(session);
}

void ChatRoom::continueHistory(Participant *session)
{
    if (!session->historyCursor() || !session->isOpen())
        return;
    Participant::HistoryCursor cursor = *session->historyCursor();
    if (cursor.reading)
        return; // the page on its way sends on
    // Lines go out while the reader keeps up: what waits for one reader
    // stays near `queueLimit` whatever the page size, well inside the
    // slow-reader limit, so a prompt reader of a big page is never dropped.
    const qint64 queueLimit = std::min(HistoryQueueBytes, m_config.maxOutputBytes / 4);
    if (session->queuedBytes() >= queueLimit)
        return; // outputDrained() calls again
    if (cursor.upTo <= cursor.since || cursor.remaining <= 0) {
        // Nothing (more) to read: the client knew everything it asked for.
        session->setHistoryCursor(std::nullopt);
        session->send(protocol::histEnd(cursor.since, false));
        return;
    }
    cursor.reading = true;
    session->setHistoryCursor(cursor);
    const quint64 id = session->id();
    const QString nickKey = session->nickKey();
    m_store.page(cursor.since, cursor.upTo, std::min(cursor.remaining, HistorySliceMessages),
                 [this, id, nickKey, since = cursor.since](const MessageStore::Page &page) {
                     historyPage(id, nickKey, since, page);
                 });
}

void ChatRoom::historyPage(quint64 sessionId, const QString &nickKey, qint64 since,
                           const MessageStore::Page &page)
{
    Participant *session = member(sessionId, nickKey);
    if (!session || !session->historyCursor() || !session->historyCursor()->reading ||
        session->historyCursor()->since != since)
        return; // gone, replaced, or handed over and asked again
    Participant::HistoryCursor cursor = *session->historyCursor();
    cursor.reading = false;
    if (!page.error.isEmpty()) {
        session->setHistoryCursor(std::nullopt);
        m_log.event("db_error", {{"id", QString::number(sessionId)}, {"error", page.error}});
        sendError(session, ErrorCode::Internal, QStringLiteral("history could not be read"));
        return;
    }
    const qint64 queueLimit = std::min(HistoryQueueBytes, m_config.maxOutputBytes / 4);
    qsizetype sent = 0;
    while (sent < page.messages.size() && session->queuedBytes() < queueLimit) {
        const protocol::ChatMessage &m = page.messages.at(sent++);
        session->send(protocol::hist(m));
        cursor.since = m.seq;
        --cursor.remaining;
    }
    const bool pageDone = sent == page.messages.size();
    if (pageDone && (!page.more || cursor.remaining <= 0)) {
        session->setHistoryCursor(std::nullopt);
        session->send(protocol::histEnd(cursor.since, page.more));
        return;
    }
    session->setHistoryCursor(cursor);
    continueHistory(session); // the next page, if the reader keeps up
}

void ChatRoom::onPing(Participant *session, const protocol::Line &line)
{
    const QString &token = line.words.at(0);
    if (!protocol::isValidToken(token)) {
        sendError(session, ErrorCode::BadArgument,
                  QStringLiteral("a PING token is 1 to %1 printable ASCII characters")
                      .arg(protocol::MaxTokenLength));
        return;
    }
    answerPing(session, token);
}

bool ChatRoom::answerLineBytes(Participant *session, QByteArrayView line, Millis now)
{
    // Registered only: before HELLO every line counts against
    // MaxLinesBeforeHello, which handleLine() keeps.
    constexpr qsizetype PrefixSize = 5; // "PING " and "PONG "
    if (session->state() != Participant::State::Registered || line.size() <= PrefixSize)
        return false;
    // (memcmp of a constant size compiles to two compares; QByteArrayView's
    // startsWith() is a call into Qt.)
    const auto startsWith = [&line](const char(&prefix)[PrefixSize + 1]) {
        return std::memcmp(line.data(), prefix, PrefixSize) == 0;
    };
    const QLatin1StringView token(line.sliced(PrefixSize));
    if (startsWith("PONG ")) {
        // The answer to one of the server's heartbeats, the next most
        // common line: for the connection's HeartbeatMonitor.
        if (!protocol::isValidToken(token))
            return false;
        session->notePong(QString(token));
        return true;
    }
    if (!startsWith("PING ") || !protocol::isValidToken(token))
        return false;
    const PingGuard::Verdict verdict = session->pingGuard().notePing(now);
    if (verdict != PingGuard::Verdict::Accept) {
        refusePing(session, verdict);
        return true;
    }
    char pong[protocol::MaxPongLine];
    session->sendNow(QByteArrayView(pong, protocol::writePong(pong, token)));
    return true;
}

void ChatRoom::answerPing(Participant *session, QStringView token)
{
    const PingGuard::Verdict verdict = session->pingGuard().notePing(m_pingClock());
    if (verdict == PingGuard::Verdict::Accept)
        session->send(protocol::pong(token));
    else
        refusePing(session, verdict);
}

void ChatRoom::refusePing(Participant *session, PingGuard::Verdict verdict)
{
    switch (verdict) {
    case PingGuard::Verdict::Accept:
        break;
    case PingGuard::Verdict::TooFast:
        sendError(session, ErrorCode::PingTooFast, pingTooFastText(session));
        break;
    case PingGuard::Verdict::TooManyStrikes: {
        sendError(session, ErrorCode::PingTooFast, pingTooFastText(session));
        const QString reason = QStringLiteral("too_many_pings");
        retire(session, reason);
        session->close(reason, reason);
        break;
    }
    }
}

QString ChatRoom::pingTooFastText(Participant *session) const
{
    return QStringLiteral("PING at most every %1 s on average (strike %2 of %3)")
        .arg(secondsText(m_config.minClientPing))
        .arg(session->pingGuard().strikes())
        .arg(PingGuard::MaxStrikes);
}

void ChatRoom::onQuit(Participant *session, const protocol::Line &line)
{
    // The reason is echoed to everyone: never let control characters through.
    // Capped: everyone gets it, so its length is the sender's to pay.
    const QString said = capped(protocol::sanitizeForDisplay(line.text.trimmed()), MaxQuitReason);
    const QString reason =
        said.isEmpty() ? QStringLiteral("quit") : QStringLiteral("quit: ") + said;
    retire(session, reason);
    session->close(reason, reason);
}

void ChatRoom::retire(Participant *session, const QString &leaveReason)
{
    if (const int suppressed = session->errorLog().flushAll())
        logSuppressedErrors(session, suppressed);
    const auto it = m_byNick.constFind(session->nickKey());
    if (session->nickKey().isEmpty() || it == m_byNick.constEnd() || it.value() != session)
        return;
    const bool quiet = isAuditorium();
    m_byNick.erase(it);
    m_countChanged = true;
    m_nickGuard.noteOffline(protocol::nickSkeleton(session->nick()), monotonicNow());
    if (session->presenceAnnounced() && !quiet)
        broadcast(protocol::leave(QDateTime::currentDateTimeUtc(), session->nick(), leaveReason),
                  session);
}

void ChatRoom::adopt(Participant *session)
{
    if (session->state() != Participant::State::Registered || session->nickKey().isEmpty() ||
        m_byNick.contains(session->nickKey()))
        return;
    m_byNick.insert(session->nickKey(), session);
    m_nickGuard.noteOnline(session->nick(), protocol::nickSkeleton(session->nick()));
    if (const Participant::HistoryCursor *was = session->historyCursor()) {
        // A HISTORY answer the last process was sending: it goes on up to
        // where it was to end (newer messages reached the client as MSG),
        // and any page it was reading is read again here.
        Participant::HistoryCursor cursor = *was;
        if (cursor.upTo <= 0)
            cursor.upTo = m_store.latestSeq();
        cursor.reading = false;
        session->setHistoryCursor(cursor);
    }
}

void ChatRoom::release(Participant *session)
{
    const auto it = m_byNick.constFind(session->nickKey());
    if (it != m_byNick.constEnd() && it.value() == session)
        m_byNick.erase(it);
}

void ChatRoom::departed(const QString &nick, bool announced, const QString &reason)
{
    m_countChanged = true;
    m_nickGuard.noteOffline(protocol::nickSkeleton(nick), monotonicNow());
    if (announced && !isAuditorium())
        broadcast(protocol::leave(QDateTime::currentDateTimeUtc(), nick, reason));
}

bool ChatRoom::isAuditorium() const
{
    return m_config.presenceLimit > 0 && onlineCount() > m_config.presenceLimit;
}

void ChatRoom::tick(Millis now)
{
    // Also from here: a PING answered by answerLineBytes() passes no
    // handleLine(), and a server that only hears PINGs still logs them.
    flushLogSummaries(now);
    const bool auditorium = isAuditorium();
    // Also once when a room shrinks back below the limit, so members know
    // the count they hold is the last one and JOIN/LEAVE resume.
    if (m_countChanged && (auditorium || m_wasAuditorium))
        broadcast(protocol::members(onlineCount()));
    m_countChanged = false;
    m_wasAuditorium = auditorium;
}

void ChatRoom::sendOnlinePage(Participant *session, const QString &after)
{
    QList<QString> page;
    auto it = after.isEmpty() ? m_byNick.constBegin() : m_byNick.upperBound(after.toCaseFolded());
    // In a room small enough for JOIN/LEAVE, a nick nobody was told of
    // joining is not listed (it would stay a ghost, see onlineNicks()); in
    // a large room the count is what members go by, and every nick is listed.
    const bool all = isAuditorium();
    for (; it != m_byNick.constEnd() && page.size() < OnlinePageSize; ++it) {
        const Participant *s = it.value();
        if (all || s == session || s->presenceAnnounced())
            page.append(s->nick());
    }
    session->send(protocol::online(page));
    if (onlineCount() > OnlinePageSize)
        session->send(protocol::members(onlineCount()));
}

QList<QString> ChatRoom::onlineNicks(const Participant *viewer) const
{
    QList<QString> nicks;
    nicks.reserve(m_byNick.size());
    for (const Participant *s : m_byNick) {
        // A nick nobody was told of joining would never be told of
        // leaving either: listing it would leave a ghost behind.
        if (!viewer || s == viewer || s->presenceAnnounced())
            nicks.append(s->nick());
    }
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
    w.seq = m_store.latestSeq();
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
