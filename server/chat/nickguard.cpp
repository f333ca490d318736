#include "nickguard.h"

#include <QCryptographicHash>
#include <cstring>

namespace longline::server {

quint64 NickGuard::digestOf(const QString &skeleton)
{
    const QByteArray sha = QCryptographicHash::hash(skeleton.toUtf8(), QCryptographicHash::Sha256);
    quint64 digest = 0;
    std::memcpy(&digest, sha.constData(), sizeof digest);
    return digest;
}

std::optional<NickGuard::LookAlike>
NickGuard::lookAlikeOf(const QString &nickKey, const QString &skeleton, Millis now) const
{
    const auto it = m_bySkeleton.constFind(digestOf(skeleton));
    if (it == m_bySkeleton.constEnd() || it->nick.toCaseFolded() == nickKey)
        return std::nullopt;
    if (!it->online && now - it->lastSeen >= RememberFor)
        return std::nullopt;
    return LookAlike{it->nick, it->online};
}

void NickGuard::noteOnline(const QString &nick, const QString &skeleton)
{
    const quint64 digest = digestOf(skeleton);
    const auto it = m_bySkeleton.constFind(digest);
    if (it != m_bySkeleton.constEnd() && !it->online)
        m_offline.erase(OfflineKey{it->lastSeen, it->order});
    m_bySkeleton.insert(digest, Holder{nick, Millis{0}, 0, true});
}

void NickGuard::noteOffline(const QString &skeleton, Millis now)
{
    const quint64 digest = digestOf(skeleton);
    const auto it = m_bySkeleton.find(digest);
    if (it == m_bySkeleton.end() || !it->online)
        return;
    it->online = false;
    it->lastSeen = now;
    it->order = m_nextOrder++;
    m_offline.emplace(OfflineKey{now, it->order}, digest);
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
