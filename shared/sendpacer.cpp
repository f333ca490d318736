#include "sendpacer.h"

#include <algorithm>

namespace longline {

void SendPacer::configure(int maxMessages, Millis window)
{
    m_max = std::clamp(maxMessages, 0, MaxTracked);
    m_window = window + Margin;
    m_sent.clear();
}

void SendPacer::expire(Millis now)
{
    while (!m_sent.empty() && now - m_sent.front() >= m_window)
        m_sent.pop_front();
}

bool SendPacer::tryAcquire(Millis now)
{
    if (m_max == 0)
        return true;
    expire(now);
    if (static_cast<int>(m_sent.size()) >= m_max)
        return false;
    m_sent.push_back(now);
    return true;
}

Millis SendPacer::waitTime(Millis now) const
{
    if (m_max == 0 || static_cast<int>(m_sent.size()) < m_max)
        return Millis{0};
    // With M sends remembered, the one M-from-last must leave the window.
    const Millis frees = m_sent.at(m_sent.size() - static_cast<size_t>(m_max)) + m_window;
    return std::max(Millis{0}, frees - now);
}

} // namespace longline
