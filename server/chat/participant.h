#pragma once
// What the chat room knows of a connection: who it is, the chat state the
// room keeps for it, and the three things the room may do to it (send a
// line, close it, hand it a PONG). The connection layer implements the
// virtual part; the room never sees a socket, a timer or a thread.

#include "errorbudget.h"
#include "logthrottle.h"
#include "pingguard.h"
#include "ratelimiter.h"

#include <QByteArray>
#include <QHostAddress>
#include <QString>
#include <atomic>
#include <memory>
#include <optional>

namespace longline::server {

class Participant
{
public:
    enum class State
    {
        Connected,  // accepted, no HELLO yet
        Registered, // HELLO accepted, holds a nick
        Closing,    // we said BYE (or gave up) and are closing
        Closed,     // the connection is over
    };

    Participant(quint64 id, Millis minClientPing, int ratePer10s)
        : m_id(id), m_pingGuard(minClientPing), m_rateLimiter(ratePer10s)
    {
    }
    virtual ~Participant() = default;
    Participant(const Participant &) = delete;
    Participant &operator=(const Participant &) = delete;

    quint64 id() const { return m_id; }
    // Read by the room from any event loop's thread while the connection's
    // own loop may change it: an atomic, relaxed (a plain load and store).
    State state() const { return m_state.load(std::memory_order_relaxed); }
    bool isOpen() const
    {
        const State s = state();
        return s == State::Connected || s == State::Registered;
    }

    // "127.0.0.1:40112", "[::1]:40112"
    virtual QString peer() const = 0;
    // IPv4 clients of a dual-stack listener are given as plain IPv4.
    virtual QHostAddress peerAddress() const = 0;
    virtual bool isEncrypted() const = 0;
    // Queues a line. Never re-enters the room: a reader too slow to take it
    // is dropped later, from the connection's own event loop.
    virtual void send(const QByteArray &line) = 0;
    // The same for an answer the client waits for (a PONG, an ACK), which
    // the caller may hold only for the call: written at once, with
    // whatever waits before it, rather than in the output batcher's turn.
    virtual void sendNow(QByteArrayView line) { send(line.toByteArray()); }
    // Says "BYE <byeReason>", lets the output drain, then closes.
    // `localReason` is what the disconnect log reports.
    virtual void close(const QString &byeReason, const QString &localReason) = 0;
    // A PONG for one of the connection's own heartbeat PINGs (or not).
    virtual void notePong(const QString &token) = 0;
    // Output queued and not yet taken by the kernel, in bytes.
    virtual qint64 queuedBytes() const = 0;
    // PROBE: say "PROBED <token>" after `delay` in which nothing at all is
    // sent on this connection (no heartbeat PING, no kernel keepalive), so
    // the answer shows whether a path idle that long still carries it.
    virtual void startProbe(const QString &token, Millis delay) = 0;
    virtual bool probePending() const = 0;
    // The client has closed its side or reset, as far as the system knows,
    // even if the connection has not read that yet.
    virtual bool peerHasClosed() const { return false; }

    // Chat state, owned by the room's rules.
    QString nick() const { return m_nick; }
    // The nick case-folded, as the room keys it: folded when asked (on
    // HELLO, a SAY, a leave, an operator's lookup) rather than held, which
    // would cost every client a string and, for a nick with capitals, its
    // bytes on the heap; a nick already folded costs a scan, no copy.
    QString nickKey() const { return m_nick.toCaseFolded(); }
    // 16 hex digits (ChatRoom::newSessionKey), held as the number they
    // spell: eight bytes instead of a string on the heap per client.
    QString sessionKey() const
    {
        return m_hasSessionKey ? QStringLiteral("%1").arg(m_sessionKey, 16, 16, QLatin1Char('0'))
                               : QString();
    }
    void setRegistered(const QString &nick, const QString &sessionKey)
    {
        m_nick = nick;
        m_sessionKey = sessionKey.toULongLong(&m_hasSessionKey, 16);
        if (state() == State::Connected)
            setState(State::Registered);
    }
    // The right PASS was given (only meaningful when the server has a password).
    bool passwordAccepted() const { return m_passwordAccepted; }
    void setPasswordAccepted(bool accepted) { m_passwordAccepted = accepted; }
    PingGuard &pingGuard() { return m_pingGuard; }
    RateLimiter &rateLimiter() { return m_rateLimiter; }
    // Whether the others were told of this join; its LEAVE is announced
    // exactly when its JOIN was (PresenceThrottle).
    bool presenceAnnounced() const { return m_presenceAnnounced; }
    void setPresenceAnnounced(bool announced) { m_presenceAnnounced = announced; }
    // A connection that sent PROBE measures the path and never registers.
    bool isProbe() const { return m_probe; }
    void markProbe() { m_probe = true; }
    // Counts a line received before HELLO succeeded; returns the count.
    int noteUnregisteredLine() { return ++m_unregisteredLines; }
    // Which of this connection's errors reach the log (one, then a count).
    LogThrottle &errorLog() { return m_errorLog; }
    ErrorBudget &errorBudget() { return m_errorBudget; }

    // A HISTORY answer still being sent: the room sends it in slices as
    // the reader takes them (ChatRoom::continueHistory), so a prompt reader
    // of a big page is never a slow reader and a stalled one holds little.
    struct HistoryCursor
    {
        qint64 since = 0;  // the last seq sent (or the request's since-seq)
        int remaining = 0; // messages the request may still carry
        // The latest seq when it was asked: newer messages reach this
        // client as MSG, so the answer stops there.
        qint64 upTo = 0;
        bool reading = false; // a page is being read from the store
    };
    // Held on the heap, and only while an answer is in progress: few
    // clients ever have one, and every client carries the pointer.
    const HistoryCursor *historyCursor() const { return m_history.get(); }
    void setHistoryCursor(std::optional<HistoryCursor> cursor)
    {
        if (!cursor)
            m_history.reset();
        else if (m_history)
            *m_history = *cursor;
        else
            m_history = std::make_unique<HistoryCursor>(*cursor);
        m_historyActive.store(cursor.has_value(), std::memory_order_relaxed);
    }
    // Whether an answer is in progress, for the connection's own loop,
    // which asks it without the room's lock when its output drains.
    bool historyActive() const { return m_historyActive.load(std::memory_order_relaxed); }

protected:
    void setState(State state) { m_state.store(state, std::memory_order_relaxed); }

private:
    // One per client, ordered so that what a PING reads (the state, the
    // PingGuard) shares the first cache line with the vtable pointer; three
    // bytes pad before the PingGuard.
    quint64 m_id;
    std::atomic<State> m_state{State::Connected};
    int m_unregisteredLines = 0;
    bool m_hasSessionKey = false;
    bool m_passwordAccepted = false;
    bool m_presenceAnnounced = false;
    bool m_probe = false;
    std::atomic<bool> m_historyActive{false};
    PingGuard m_pingGuard;
    QString m_nick;
    quint64 m_sessionKey = 0;
    RateLimiter m_rateLimiter;
    LogThrottle m_errorLog;
    ErrorBudget m_errorBudget;
    std::unique_ptr<HistoryCursor> m_history;
};

} // namespace longline::server
