#pragma once
// The chat itself: commands from registered and unregistered clients, the
// nick registry, broadcasts and history. Knows sessions only through the
// Participant interface and never touches sockets or the listener.

#include "auththrottle.h"
#include "heartbeatmonitor.h" // monotonicNow
#include "lineframer.h"
#include "logthrottle.h"
#include "messagestore.h"
#include "nickguard.h"
#include "pingguard.h"
#include "presencethrottle.h"
#include "protocol.h"
#include "serverconfig.h"
#include "serverlog.h"

#include <QMap>
#include <QString>
#include <deque>
#include <functional>
#include <vector>

namespace longline::server {

class Participant;
struct ServerMetrics;

class ChatRoom
{
public:
    // Lines a connection may send before it has registered with HELLO;
    // one more ends it (a client needs PASS, HELLO and a few retries).
    static constexpr int MaxLinesBeforeHello = 32;
    // The longest QUIT reason passed on to the others in LEAVE, in
    // characters.
    static constexpr int MaxQuitReason = 160;
    // Most nicks in one ONLINE line; a bigger room is paged with WHO <after>.
    static constexpr int OnlinePageSize = 100;
    // A HISTORY answer is read from the store this many messages at a time
    // and sent only while less than HistoryQueueBytes (or a quarter of
    // --max-output) wait for the reader; the rest follows as it drains.
    // One read holds a usual answer whole (maxhist is 500 by default), so
    // it goes out before the answers to the client's next lines, as a
    // client reading them in order expects.
    static constexpr int HistorySliceMessages = 512;
    static constexpr qint64 HistoryQueueBytes = 64 * 1024;

    ChatRoom(const ServerConfig &config, MessageStore &store, ServerLog &log);
    // Counts messages stored and delivered and the commit latency there.
    void setMetrics(ServerMetrics *metrics) { m_metrics = metrics; }
    // The clock a framed PING is judged by; the server gives its event
    // loop's (EventLoop::now), which answerLineBytes() is handed, so a
    // client's PINGs are timed alike whichever way they came in.
    void setPingClock(std::function<Millis()> clock) { m_pingClock = std::move(clock); }

    // One framed line from a client.
    void handleLine(Participant *session, const QString &line);
    // Bytes exactly as read, before any framing, without their last
    // terminator: answers them and returns true when they are one
    // registered client's PING or PONG in its canonical form ("PING
    // <token>"; a token holds no control character, so no second line);
    // otherwise false, and the caller frames them and hands each line to
    // handleLine(). The same answer either way, for a third of the work.
    // `now`: the caller's clock, read once per wakeup.
    bool answerLineBytes(Participant *session, QByteArrayView line, Millis now = monotonicNow());
    // The session's output drained: sends the next slice of a HISTORY
    // answer in progress, if any.
    void continueHistory(Participant *session);
    // A line the framer refused (too long, not UTF-8).
    void handleRejected(Participant *session, LineFramer::Status status, qsizetype rawSize);
    // Sends ERR and logs it (the first of a run in full, the rest as a
    // count); closes a connection that overspends its ErrorBudget.
    void sendError(Participant *session, protocol::ErrorCode code, const QString &text);
    // The session is gone or going: forget its nick and tell the others
    // (LEAVE, if its JOIN was announced). Logs the count of its errors not
    // logged yet. Does nothing more when it holds no nick (never
    // registered, or already replaced by a newer session).
    void retire(Participant *session, const QString &leaveReason);

    // A registered connection another process handed over (a restart that
    // keeps connections): it holds its nick again, and nobody is told,
    // because to everyone else it never left.
    void adopt(Participant *session);
    // The opposite, in the process that hands it over: forgotten without a
    // LEAVE, because it does not leave.
    void release(Participant *session);
    // A member handed over whose connection did not survive the restart:
    // the others hear it left (if they heard it join).
    void departed(const QString &nick, bool announced, const QString &reason);

    // Ordered by case-folded nick. With a `viewer`, only what it is shown:
    // the nicks whose JOIN was announced, and its own (PresenceThrottle).
    QList<QString> onlineNicks(const Participant *viewer = nullptr) const;
    int onlineCount() const { return static_cast<int>(m_byNick.size()); }
    // Above --presence-limit members JOIN and LEAVE are not broadcast.
    bool isAuditorium() const;
    // Runs `fn` once every message asked of the store so far has been
    // answered (ACKed and delivered, or refused): at once when none is
    // waiting. Messages asked later are not waited for, so a busy room
    // cannot hold it back. A shutdown or a hand-over waits for it.
    void whenStored(std::function<void()> fn);
    int messagesBeingStored() const { return static_cast<int>(m_asked - m_answered); }

    // Called about once a second: sends MEMBERS to everyone when the count
    // of a large room changed since the last one.
    void tick(Millis now);

private:
    void onHello(Participant *session, const protocol::Line &line);
    void onPass(Participant *session, const protocol::Line &line);
    void onSay(Participant *session, const QString &cid, const QString &text);
    // The store's answer to a SAY or SAYID.
    void stored(quint64 sessionId, const QString &nickKey, const QString &cid, Millis countedAt,
                const MessageStore::Appended &result);
    // One answer from the store arrived (they come in the order asked):
    // runs what waited for it.
    void answered();
    // Runs `fn` after the answers to everything asked of the store so far.
    void inOrder(std::function<void()> fn);
    // Sends `line` to a registered `session` in its place among the answers
    // to its lines: after those the store still owes it (a refusal decided
    // at once, an empty HISTORY answer). Anyone else gets it now.
    void sendInOrder(Participant *session, const QByteArray &line);
    void refuseInOrder(Participant *session, protocol::ErrorCode code, const QString &text);
    // The session `id` if it still holds `nickKey`: answers from the store
    // come later, when the asker may be gone or replaced.
    Participant *member(quint64 id, const QString &nickKey) const;
    // A page of a HISTORY answer arrived.
    void historyPage(quint64 sessionId, const QString &nickKey, qint64 since,
                     const MessageStore::Page &page);
    void onHistory(Participant *session, const protocol::Line &line);
    void onPing(Participant *session, const protocol::Line &line);
    // PONG, or PING_TOO_FAST from the session's PingGuard; `token` is valid.
    void answerPing(Participant *session, QStringView token);
    // PING_TOO_FAST, and the end of a client that keeps at it.
    void refusePing(Participant *session, PingGuard::Verdict verdict);
    QString pingTooFastText(Participant *session) const;
    void onQuit(Participant *session, const protocol::Line &line);
    void onProbe(Participant *session, const protocol::Line &line);
    // Whether HELLO may go on to the nick: false when the password is
    // missing or wrong, or the address is waiting out its delay.
    bool passwordGate(Participant *session, Millis now);
    void logAuthEvent(const char *event, QList<LogField> fields, Millis now);
    // Summaries of throttled log events whose interval is over.
    void flushLogSummaries(Millis now);
    void logSuppressedErrors(const Participant *session, int count);
    void broadcast(const QByteArray &line, const Participant *except = nullptr);
    // One ONLINE page (nicks after `after`, case-folded order), then MEMBERS
    // when the room does not fit in one page.
    void sendOnlinePage(Participant *session, const QString &after);
    protocol::WelcomeInfo welcomeFor(const QString &nick, const QString &sessionKey) const;
    static QString newSessionKey();

    const ServerConfig &m_config;
    MessageStore &m_store;
    ServerLog &m_log;
    std::function<Millis()> m_pingClock = monotonicNow;
    // Case-folded nick -> its session. Ordered, so ONLINE needs no sort per HELLO.
    QMap<QString, Participant *> m_byNick;
    NickGuard m_nickGuard;
    PresenceThrottle m_presence;
    AuthThrottle m_auth;
    LogThrottle m_authLog;        // all addresses together: one line, then a count
    bool m_countChanged = false;  // the room's size changed since the last MEMBERS
    bool m_wasAuditorium = false; // at the last tick
    ServerMetrics *m_metrics = nullptr;
    // Appends and finds asked of the store, and answered; and what waits
    // for the answers asked before it (the first: that count).
    quint64 m_asked = 0;
    quint64 m_answered = 0;
    std::deque<std::pair<quint64, std::function<void()>>> m_afterAnswers;
};

} // namespace longline::server
