#pragma once
// Application heartbeat state machine, free of timers and sockets so a test
// can drive it on a controllable clock. The owner either calls poll() often
// (see pollPeriod()), or asks nextDue() when poll() next has anything to do
// and calls it then (a server with one timer structure for all its
// connections); either way it acts on the answer.
//
// Rules (see docs/protocol.md, Liveness):
// - any received byte is life; silence is measured from the last one;
// - a PING goes out after `interval` of silence, and again every `interval`
//   while the silence lasts; a PONG never postpones the next one;
// - the peer is dead after `interval + timeout` of silence;
// - if poll() itself ran late (suspend, stalled event loop) the monitor
//   probes again and waits `timeout` before any verdict: the silence may be
//   ours, not the peer's.

#include "livenesssettings.h"

#include <QHash>
#include <QString>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace longline {

Millis monotonicNow(); // steady clock, milliseconds

class HeartbeatMonitor
{
public:
    using Clock = std::function<Millis()>;

    enum class Action
    {
        None,
        SendPing,
        Dead
    };
    struct Decision
    {
        Action action = Action::None;
        QString token; // with SendPing
    };

    // At most this many unanswered pings are remembered for RTT matching.
    static constexpr int MaxInFlight = 32;

    // Without a clock, monotonicNow(); tests pass their own.
    explicit HeartbeatMonitor(Clock clock = {});

    void setOptions(const HeartbeatOptions &options); // takes effect at the next poll
    HeartbeatOptions options() const
    {
        HeartbeatOptions o;
        o.enabled = m_enabled;
        o.interval = m_interval;
        o.timeout = m_timeout;
        return o;
    }

    void start();        // the connection is up: silence starts now
    void noteReceived(); // any byte arrived
    // The same, at `now` from the owner's clock (an event loop that read it
    // once for every socket ready in a wakeup).
    void noteReceived(Millis now)
    {
        m_lastReceived = now;
        m_pingSentSinceReceive = false;
    }

    // The timing of a running monitor, for a server restarting without
    // dropping its connections: the steady clock is the system's, so the
    // next process continues the same silence and the same pings in flight.
    struct Snapshot
    {
        Millis lastReceived{0};
        Millis lastPingSent{0};
        bool pingSentSinceReceive = false;
        quint64 nextToken = 1;
        std::vector<std::pair<quint64, Millis>> inFlight; // token number, sent at
    };
    Snapshot snapshot() const;
    // Like start(), but continuing from `snapshot` instead of from now.
    void resume(const Snapshot &snapshot);
    // A PONG arrived; returns the round trip if the token is one of ours.
    std::optional<Millis> notePong(const QString &token);
    Decision poll();

    // How often poll() should run for timely decisions.
    Millis pollPeriod() const;
    // The earliest moment poll() could decide anything (a PING or the
    // verdict), or nothing while the heartbeat is off or stopped. An owner
    // that polls only then is judged late against this moment, not against
    // pollPeriod(). Bytes received meanwhile only move the moment later, so
    // polling at an earlier answer is harmless.
    std::optional<Millis> nextDue();
    Millis silence() const;            // since the last byte received
    std::optional<Millis> lag() const; // age of the oldest unanswered ping
    int pingsInFlight() const { return static_cast<int>(m_inFlight.size()); }
    Millis lastReceived() const { return m_lastReceived; }
    bool running() const { return m_running; }
    int latePolls() const { return m_latePolls; }

private:
    Millis clockNow() const { return m_clock ? (*m_clock)() : monotonicNow(); }

    // Members are ordered to leave no padding: a server keeps one monitor
    // per connection. What noteReceived() writes comes first, together. A
    // test clock lives on the heap, the default costs nothing.
    int m_latePolls = 0;
    bool m_enabled = HeartbeatOptions().enabled;
    bool m_running = false;
    bool m_pingSentSinceReceive = false;
    Millis m_lastReceived{0};
    std::unique_ptr<const Clock> m_clock;
    // The options, held apart so that `enabled` packs with the flags below.
    Millis m_interval{HeartbeatOptions().interval};
    Millis m_timeout{HeartbeatOptions().timeout};
    Millis m_lastPingSent{0};
    Millis m_lastPoll{0};
    Millis m_graceUntil{0};
    quint64 m_nextToken = 1;
    // Unanswered pings, oldest first: our tokens are "h<number>". A small
    // vector, not a hash: a server keeps one monitor per connection.
    struct InFlight
    {
        quint64 token;
        Millis sentAt;
    };
    std::vector<InFlight> m_inFlight;
    // Set by nextDue(): the moment the owner was told to poll; NotDue when
    // it was not told (an owner polling periodically).
    static constexpr Millis NotDue = Millis::min();
    Millis m_dueAt = NotDue;
};

} // namespace longline
