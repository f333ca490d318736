#include "nickguard.h"

namespace longline::server {

std::optional<NickGuard::LookAlike>
NickGuard::lookAlikeOf(const QString &nickKey, const QString &skeleton, Millis now) const
{
    const auto it = m_bySkeleton.constFind(skeleton);
    if (it == m_bySkeleton.constEnd() || it->nickKey == nickKey)
        return std::nullopt;
    if (!it->online && now - it->lastSeen >= RememberFor)
        return std::nullopt;
    return LookAlike{it->nick, it->online};
}

void NickGuard::noteOnline(const QString &nick, const QString &nickKey, const QString &skeleton)
{
    const auto it = m_bySkeleton.constFind(skeleton);
    if (it != m_bySkeleton.constEnd() && !it->online)
        m_offline.erase(OfflineKey{it->lastSeen, it->order});
    m_bySkeleton.insert(skeleton, Holder{nick, nickKey, true, Millis{0}, 0});
}

void NickGuard::noteOffline(const QString &skeleton, Millis now)
{
    const auto it = m_bySkeleton.find(skeleton);
    if (it == m_bySkeleton.end() || !it->online)
        return;
    it->online = false;
    it->lastSeen = now;
    it->order = m_nextOrder++;
    m_offline.emplace(OfflineKey{now, it->order}, skeleton);
    forget(now);
}

void NickGuard::forget(Millis now)
{
    while (!m_offline.empty() && (now - m_offline.begin()->first.first >= RememberFor ||
                                  m_offline.size() > static_cast<size_t>(MaxRemembered))) {
        m_bySkeleton.remove(m_offline.begin()->second);
        m_offline.erase(m_offline.begin());
    }
}

} // namespace longline::server
