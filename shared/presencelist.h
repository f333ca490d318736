#pragma once
// Who is online, as a client knows it: a sorted set of nicks, so a JOIN or
// LEAVE costs O(log n) however large the room, with a hard cap on its size
// so a server cannot make the client hold an unbounded list.

#include <QString>
#include <QStringList>
#include <set>

namespace longline {

class PresenceList
{
public:
    // Room for a large server's room (the server's --max-clients default is
    // 10,000) at about 100 bytes a nick.
    static constexpr int DefaultMaxMembers = 100000;

    enum class AddResult
    {
        Added,
        AlreadyPresent,
        Full, // the cap is reached: not added
    };

    explicit PresenceList(int maxMembers = DefaultMaxMembers) : m_max(maxMembers) {}

    AddResult add(const QString &nick);
    bool remove(const QString &nick); // true when it was present
    // Replaces the whole list (an ONLINE line); returns how many did not
    // fit under the cap.
    int reset(const QStringList &nicks);
    void clear() { m_nicks.clear(); }

    bool contains(const QString &nick) const { return m_nicks.count(nick) > 0; }
    int size() const { return static_cast<int>(m_nicks.size()); }
    bool isEmpty() const { return m_nicks.empty(); }
    int maxMembers() const { return m_max; }
    // Case-insensitive alphabetical order (exact spelling breaks ties).
    QStringList toList() const;

private:
    struct Order
    {
        bool operator()(const QString &a, const QString &b) const
        {
            const int c = a.compare(b, Qt::CaseInsensitive);
            return c != 0 ? c < 0 : a < b;
        }
    };

    int m_max;
    std::set<QString, Order> m_nicks;
};

} // namespace longline
