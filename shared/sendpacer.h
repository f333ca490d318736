#pragma once
// The client's mirror of the server's chat rate limit (WELCOME's `rate`):
// at most N messages in any window of W, counted on the client's own
// monotonic clock, so a client that paces itself is never refused with
// ERR 430. Free of timers: the caller passes the time.

#include "livenesssettings.h"

#include <deque>

namespace longline {

class SendPacer
{
public:
    // Added to the window: the server counts a message when it arrives,
    // a little after we sent it, and the two clocks' windows must not slip.
    static constexpr Millis Margin{250};
    // The most sends remembered; a server announcing a larger rate is
    // treated as announcing this many (memory stays bounded).
    static constexpr int MaxTracked = 10000;

    // `maxMessages` 0 means unlimited.
    void configure(int maxMessages, Millis window);
    void reset() { m_sent.clear(); }

    // Counts a send and returns true when it fits in the window now.
    bool tryAcquire(Millis now);
    // How long until the next send fits (0 = now).
    Millis waitTime(Millis now) const;
    bool unlimited() const { return m_max == 0; }
    int maxMessages() const { return m_max; }
    Millis window() const { return m_window; }

private:
    void expire(Millis now);

    int m_max = 0;
    Millis m_window{0};
    std::deque<Millis> m_sent; // sends inside the window, oldest first
};

} // namespace longline
