#include "memberlistmodel.h"

#include "chatview.h"
#include "protocol.h"

namespace longline::app {

MemberListModel::MemberListModel(QObject *parent) : QAbstractListModel(parent)
{
    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(RefreshInterval);
    connect(&m_refreshTimer, &QTimer::timeout, this, &MemberListModel::refresh);
}

int MemberListModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid())
        return 0;
    // An empty list shows one placeholder row.
    return m_rows.isEmpty() ? 1 : static_cast<int>(m_rows.size());
}

QVariant MemberListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    if (m_rows.isEmpty())
        return role == Qt::DisplayRole ? QVariant(tr("nobody: not connected")) : QVariant();
    const QString &nick = m_rows.at(index.row());
    const bool isMe = nick.compare(m_ownNick, Qt::CaseInsensitive) == 0;
    switch (role) {
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole:
        return isMe ? tr("%1 (you)").arg(protocol::sanitizeForDisplay(nick))
                    : protocol::sanitizeForDisplay(nick);
    case Qt::ForegroundRole:
        return ChatItemDelegate::nickColor(nick, m_palette);
    default:
        return {};
    }
}

Qt::ItemFlags MemberListModel::flags(const QModelIndex &index) const
{
    if (m_rows.isEmpty())
        return Qt::NoItemFlags;
    return QAbstractListModel::flags(index);
}

void MemberListModel::setOwnNick(const QString &nick)
{
    if (nick == m_ownNick)
        return;
    m_ownNick = nick;
    scheduleRefresh();
}

void MemberListModel::setPalette(const QPalette &palette)
{
    m_palette = palette;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0), index(rowCount() - 1), {Qt::ForegroundRole});
}

void MemberListModel::reset(const QStringList &nicks)
{
    m_members.reset(nicks);
    m_refreshTimer.stop();
    refresh();
}

void MemberListModel::add(const QString &nick)
{
    if (m_members.add(nick) == PresenceList::AddResult::Added)
        scheduleRefresh();
}

void MemberListModel::remove(const QString &nick)
{
    if (m_members.remove(nick))
        scheduleRefresh();
}

void MemberListModel::setRoomSize(int size)
{
    if (size == m_roomSize)
        return;
    m_roomSize = size;
    Q_EMIT memberCountChanged(memberCount());
}

void MemberListModel::scheduleRefresh()
{
    if (!m_refreshTimer.isActive())
        m_refreshTimer.start();
}

void MemberListModel::refresh()
{
    beginResetModel();
    m_rows = m_members.toList();
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).compare(m_ownNick, Qt::CaseInsensitive) == 0) {
            m_rows.move(i, 0);
            break;
        }
    }
    endResetModel();
    Q_EMIT memberCountChanged(memberCount());
}

} // namespace longline::app
