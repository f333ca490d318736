#include "presencelist.h"

namespace longline {

PresenceList::AddResult PresenceList::add(const QString &nick)
{
    if (m_nicks.count(nick) > 0)
        return AddResult::AlreadyPresent;
    if (size() >= m_max)
        return AddResult::Full;
    m_nicks.insert(nick);
    return AddResult::Added;
}

bool PresenceList::remove(const QString &nick)
{
    return m_nicks.erase(nick) > 0;
}

int PresenceList::reset(const QStringList &nicks)
{
    m_nicks.clear();
    int dropped = 0;
    for (const QString &nick : nicks) {
        if (add(nick) == AddResult::Full)
            ++dropped;
    }
    return dropped;
}

QStringList PresenceList::toList() const
{
    QStringList list;
    list.reserve(size());
    for (const QString &nick : m_nicks)
        list.append(nick);
    return list;
}

} // namespace longline
