#pragma once
// Sliding-window rate limit: at most N events in any window of a fixed
// length. Used for chat messages per client. Free of timers: the caller
// passes the monotonic time.

#include "livenesssettings.h"

#include <QList>
#include <chrono>

namespace longline::server {

using namespace std::chrono_literals;

class RateLimiter
{
public:
    static constexpr Millis DefaultWindow = 10s;

    // `maxEvents` 0 means unlimited.
    explicit RateLimiter(int maxEvents = 50, Millis window = DefaultWindow)
        : m_max(maxEvents), m_window(window)
    {
    }

    // Counts the event and returns true when it fits in the window; a
    // refused event is not counted, so a flood does not extend the penalty.
    bool tryAcquire(Millis now);
    // Gives back the event counted at `at` (a message that turned out to be
    // a retry of one stored before, which costs nothing).
    void refund(Millis at);
    // When the next event would be accepted (0 = now).
    Millis retryAfter(Millis now) const;

private:
    void expire(Millis now);

    int m_max;
    Millis m_window;
    // Accepted events inside the window, oldest first. A QList, not a
    // std::deque: an empty one allocates nothing, and most clients are idle.
    QList<Millis> m_events;
};

} // namespace longline::server
