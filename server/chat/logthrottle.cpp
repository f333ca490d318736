#include "logthrottle.h"

namespace longline::server {

bool LogThrottle::note(Millis now)
{
    if (m_state == State::Throttling) {
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
