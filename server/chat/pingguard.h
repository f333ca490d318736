#pragma once
// Refuses client PINGs that come faster than the server's minimum interval,
// the way gRPC servers police keepalive pings: each too-fast PING is a
// strike answered with ERR 429; the third strike within a minute ends the
// connection with "BYE too_many_pings". Free of timers: the caller passes
// the monotonic time.
//
// The pace is judged on average, not ping by ping (a generic cell rate
// algorithm with one interval of credit): a PING that looks early only
// because the one before it was late (its client's timer fired late, or
// the server read it at the end of a long turn) is not struck, while a
// client that keeps pinging faster than the minimum is.

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

private:
    Millis m_minInterval;
    // When the next PING is due at the minimum pace; one may come up to a
    // whole interval before it. Millis::min() before the first PING (not
    // std::optional: one guard per client).
    Millis m_due = Millis::min();
    QList<Millis> m_strikes; // times of recent strikes, oldest first
};

} // namespace longline::server
