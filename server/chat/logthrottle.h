#pragma once
// Keeps a flood of alike log events to one line and a count: the first
// event of a window is logged in full, the rest of the window only counted,
// and the count is reported once the window is over. Free of timers: the
// caller passes the monotonic time and reports the count when flush() hands
// it over (at the next event, or when the source goes away).

#include "livenesssettings.h"

namespace longline::server {

class LogThrottle
{
public:
    // Counts an event; true when it is to be logged in full (no window was
    // open, so one opens now). Call flush() first: until a window is
    // flushed, every event is counted in it.
    bool note(Millis now);
    // The events left unlogged in a window that has ended by `now` (0 when
    // none); closes that window.
    int flush(Millis now, Millis interval);
    // The events left unlogged so far, window over or not; closes it.
    int flushAll();

private:
    enum class State
    {
        Quiet,     // no event within the interval
        Throttling // an event was logged at m_windowStart; later ones are counted
    };
    Millis m_windowStart{0};
    State m_state = State::Quiet;
    int m_suppressed = 0;
};

} // namespace longline::server
