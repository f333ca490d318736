#pragma once
// Application heartbeat state machine, free of timers and sockets so a test
// can drive it on a controllable clock. The owner calls poll() often (see
// pollPeriod()) and acts on the answer.
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
#include <optional>

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

    explicit HeartbeatMonitor(Clock clock = monotonicNow);

    void setOptions(const HeartbeatOptions &options); // takes effect at the next poll
    const HeartbeatOptions &options() const { return m_options; }

    void start();        // the connection is up: silence starts now
    void noteReceived(); // any byte arrived
    // A PONG arrived; returns the round trip if the token is one of ours.
    std::optional<Millis> notePong(const QString &token);
    Decision poll();

    // How often poll() should run for timely decisions.
    Millis pollPeriod() const;
    Millis silence() const;            // since the last byte received
    std::optional<Millis> lag() const; // age of the oldest unanswered ping
    int pingsInFlight() const { return static_cast<int>(m_inFlight.size()); }
    Millis lastReceived() const { return m_lastReceived; }
    bool running() const { return m_running; }
    int latePolls() const { return m_latePolls; }

private:
    Clock m_clock;
    HeartbeatOptions m_options;
    bool m_running = false;
    Millis m_lastReceived{0};
    Millis m_lastPingSent{0};
    bool m_pingSentSinceReceive = false;
    Millis m_lastPoll{0};
    Millis m_graceUntil{0};
    quint64 m_nextToken = 1;
    QHash<QString, Millis> m_inFlight; // token -> sent at
    int m_latePolls = 0;
};

} // namespace longline
