#include "logthrottle.h"

namespace longline::server {

bool LogThrottle::note(Millis now, Millis interval)
{
    if (m_state == State::Throttling && now - m_windowStart < interval) {
        ++m_suppressed;
        return false;
    }
    if (m_state == State::Throttling) {
        // An ended window nobody flushed: keep counting in a new one.
        m_windowStart = now;
        ++m_suppressed;
        return false;
    }
    m_state = State::Throttling;
    m_windowStart = now;
    m_suppressed = 0;
    return true;
}

int LogThrottle::flush(Millis now, Millis interval)
{
    if (m_state != State::Throttling || now - m_windowStart < interval)
        return 0;
    return flushAll();
}

int LogThrottle::flushAll()
{
    const int n = m_suppressed;
    m_state = State::Quiet;
    m_suppressed = 0;
    return n;
}

} // namespace longline::server
