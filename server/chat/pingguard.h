#pragma once
// Refuses client PINGs that come faster than the server's minimum interval,
// the way gRPC servers police keepalive pings: each too-fast PING is a
// strike answered with ERR 429; the third strike within a minute ends the
// connection with "BYE too_many_pings". Free of timers: the caller passes
// the monotonic time.

#include "livenesssettings.h"

#include <QList>
#include <chrono>
#include <optional>

namespace longline::server {

using namespace std::chrono_literals;

class PingGuard
{
public:
    enum class Verdict
    {
        Accept,
        TooFast,
        TooManyStrikes
    };

    // Strikes that end the connection, and the window they must fall in.
    static constexpr int MaxStrikes = 3;
    static constexpr Millis StrikeWindow = 60s;

    // `minInterval` 0 accepts every PING.
    explicit PingGuard(Millis minInterval = Millis{1000}) : m_minInterval(minInterval) {}

    Verdict notePing(Millis now);
    int strikes() const { return static_cast<int>(m_strikes.size()); }

    // Network jitter can bunch two honest pings a little; a tenth of the
    // minimum is forgiven so a client pinging at exactly minping is safe.
    Millis tolerance() const { return m_minInterval / 10; }

private:
    static constexpr Millis NoPing = Millis::min();
    Millis m_minInterval;
    Millis m_lastPing = NoPing; // not std::optional: one guard per client
    QList<Millis> m_strikes;    // times of recent strikes, oldest first
};

} // namespace longline::server
