#include "chatlogmodel.h"

namespace longline::app {

namespace {
// Text as shown: control characters made visible, and cut at `max`
// characters so one long line cannot make every layout of the view slow.
QString shown(const QString &text, qsizetype max)
{
    if (text.size() <= max)
        return protocol::sanitizeForDisplay(text);
    return protocol::sanitizeForDisplay(text.left(max)) +
           ChatLogModel::tr(" … (%n more characters)", nullptr,
                            static_cast<int>(text.size() - max));
}

QString shownText(const QString &text)
{
    return shown(text, ChatLogModel::MaxTextChars);
}

QString shownNick(const QString &nick)
{
    return shown(nick, ChatLogModel::MaxNickChars);
}

// What an entry's strings cost, in bytes of UTF-16.
qsizetype textCost(const ChatEntry &e)
{
    return (e.text.size() + e.nick.size() + e.cid.size()) * 2;
}
} // namespace

QString ChatEntry::plainText() const
{
    const QString t = time.toLocalTime().toString(QStringLiteral("HH:mm:ss"));
    if (kind == Kind::Notice)
        return QStringLiteral("[%1] * %2").arg(t, text);
    return QStringLiteral("[%1] <%2> %3").arg(t, nick, text);
}

ChatLogModel::ChatLogModel(QObject *parent) : QAbstractListModel(parent) {}

int ChatLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

QVariant ChatLogModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_entries.size())
        return {};
    const ChatEntry &e = m_entries.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole:
        return e.plainText();
    case Qt::ToolTipRole:
        if (e.kind == ChatEntry::Kind::Message && e.seq >= 0)
            return tr("#%1, %2").arg(e.seq).arg(
                e.time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")));
        return {};
    default:
        return {};
    }
}

Qt::ItemFlags ChatLogModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags f = QAbstractListModel::flags(index);
    if (index.isValid() && m_entries.at(index.row()).kind == ChatEntry::Kind::Message)
        f |= Qt::ItemIsEditable;
    return f;
}

void ChatLogModel::addOwnQueued(const QString &cid, const QString &nick, const QString &text,
                                const QDateTime &queuedAt)
{
    if (m_byCid.contains(cid))
        return;
    ChatEntry e;
    e.kind = ChatEntry::Kind::Message;
    e.cid = cid;
    e.nick = shownNick(nick);
    e.text = shownText(text);
    e.time = queuedAt;
    e.delivery = ChatEntry::Delivery::Unsent;
    insertEntry(static_cast<int>(m_entries.size()), e);
}

void ChatLogModel::acknowledge(const QString &cid, qint64 seq)
{
    const int cidRow = rowForCid(cid);
    const int seqRow = rowForSeq(seq);
    if (seqRow >= 0 && seqRow != cidRow) {
        // Already shown from history (the first ACK was lost with the old
        // connection): keep that row, drop the queued copy.
        m_textBytes -= textCost(m_entries.at(seqRow));
        m_entries[seqRow].cid = cid;
        m_textBytes += textCost(m_entries.at(seqRow));
        m_entries[seqRow].delivery = ChatEntry::Delivery::Sent;
        m_byCid.insert(cid, seqRow);
        const QModelIndex idx = index(seqRow);
        Q_EMIT dataChanged(idx, idx);
        if (cidRow >= 0)
            removeEntry(cidRow);
        return;
    }
    if (cidRow < 0)
        return;
    ChatEntry &e = m_entries[cidRow];
    e.seq = seq;
    e.delivery = ChatEntry::Delivery::Sent;
    m_bySeq.insert(seq, cidRow);
    const QModelIndex idx = index(cidRow);
    Q_EMIT dataChanged(idx, idx);
}

void ChatLogModel::addMessage(const protocol::ChatMessage &m, bool fromHistory,
                              const QString &ownNick)
{
    if (const int row = rowForSeq(m.seq); row >= 0) {
        // Our own echo after the ACK, or a repeat: refresh with server data.
        ChatEntry &e = m_entries[row];
        e.time = m.time;
        m_textBytes -= textCost(e);
        e.text = shownText(m.text);
        m_textBytes += textCost(e);
        if (e.own())
            e.delivery = ChatEntry::Delivery::Sent;
        const QModelIndex idx = index(row);
        Q_EMIT dataChanged(idx, idx);
        return;
    }
    insertEntry(insertionRowForNumbered(), messageEntry(m, fromHistory, ownNick));
}

ChatEntry ChatLogModel::messageEntry(const protocol::ChatMessage &m, bool fromHistory,
                                     const QString &ownNick) const
{
    ChatEntry e;
    e.kind = ChatEntry::Kind::Message;
    e.seq = m.seq;
    e.time = m.time;
    e.nick = shownNick(m.nick);
    e.text = shownText(m.text);
    const bool own = !ownNick.isEmpty() && m.nick.compare(ownNick, Qt::CaseInsensitive) == 0;
    e.delivery = own ? ChatEntry::Delivery::Sent : ChatEntry::Delivery::NotOwn;
    e.fromHistory = fromHistory;
    return e;
}

qint64 ChatLogModel::oldestSeq() const
{
    for (const ChatEntry &e : m_entries)
        if (e.seq >= 0)
            return e.seq; // numbered messages are kept in order
    return -1;
}

int ChatLogModel::addOlder(const QList<protocol::ChatMessage> &messages, const QString &ownNick)
{
    const qint64 oldest = oldestSeq();
    QList<ChatEntry> rows;
    for (const protocol::ChatMessage &m : messages)
        if ((oldest < 0 || m.seq < oldest) && !m_bySeq.contains(m.seq) &&
            (rows.isEmpty() || m.seq > rows.last().seq))
            rows.append(messageEntry(m, true, ownNick));
    if (rows.isEmpty() || m_entries.size() + rows.size() > MaxEntries)
        return 0;
    // Right above the oldest message shown: notices above it (such as
    // "connected") are newer than what scroll-back brings.
    const int at = oldest < 0 ? insertionRowForNumbered() : rowForSeq(oldest);
    m_insertingOlder = true;
    beginInsertRows({}, at, at + static_cast<int>(rows.size()) - 1);
    for (qsizetype i = 0; i < rows.size(); ++i) {
        m_entries.insert(at + i, rows.at(i));
        m_textBytes += textCost(rows.at(i));
    }
    endInsertRows();
    m_insertingOlder = false;
    reindex();
    return static_cast<int>(rows.size());
}

void ChatLogModel::markStartOfHistory()
{
    if (m_startShown)
        return;
    m_startShown = true;
    ChatEntry e;
    e.kind = ChatEntry::Kind::Notice;
    e.level = ChatEntry::Level::Info;
    e.time = QDateTime::currentDateTimeUtc();
    e.text = tr("Start of the conversation: the server keeps nothing older.");
    m_insertingOlder = true;
    beginInsertRows({}, 0, 0);
    m_entries.insert(0, e);
    m_textBytes += textCost(e);
    endInsertRows();
    m_insertingOlder = false;
    reindex();
}

void ChatLogModel::addNotice(const QDateTime &time, ChatEntry::Level level, const QString &text)
{
    ChatEntry e;
    e.kind = ChatEntry::Kind::Notice;
    e.time = time;
    e.level = level;
    e.text = shownText(text);
    insertEntry(insertionRowForNumbered(), e);
}

void ChatLogModel::clear()
{
    beginResetModel();
    m_entries.clear();
    m_bySeq.clear();
    m_byCid.clear();
    m_textBytes = 0;
    m_startShown = false;
    endResetModel();
}

int ChatLogModel::countMessagesWithText(const QString &text) const
{
    int n = 0;
    for (const ChatEntry &e : m_entries) {
        if (e.kind == ChatEntry::Kind::Message && e.text == text)
            ++n;
    }
    return n;
}

int ChatLogModel::unsentCount() const
{
    int n = 0;
    for (const ChatEntry &e : m_entries) {
        if (e.delivery == ChatEntry::Delivery::Unsent)
            ++n;
    }
    return n;
}

int ChatLogModel::insertionRowForNumbered() const
{
    // Unsent messages stay together at the bottom, below everything the
    // server has numbered, until they are acknowledged.
    int row = static_cast<int>(m_entries.size());
    while (row > 0 && m_entries.at(row - 1).delivery == ChatEntry::Delivery::Unsent)
        --row;
    return row;
}

void ChatLogModel::insertEntry(int row, const ChatEntry &entry)
{
    beginInsertRows({}, row, row);
    m_entries.insert(row, entry);
    m_textBytes += textCost(entry);
    endInsertRows();
    if (row == m_entries.size() - 1) {
        if (entry.seq >= 0)
            m_bySeq.insert(entry.seq, row);
        if (!entry.cid.isEmpty())
            m_byCid.insert(entry.cid, row);
    } else {
        reindex();
    }
    trim();
}

void ChatLogModel::removeEntry(int row)
{
    beginRemoveRows({}, row, row);
    m_textBytes -= textCost(m_entries.at(row));
    m_entries.removeAt(row);
    endRemoveRows();
    reindex();
}

void ChatLogModel::reindex()
{
    m_bySeq.clear();
    m_byCid.clear();
    for (int i = 0; i < m_entries.size(); ++i) {
        const ChatEntry &e = m_entries.at(i);
        if (e.seq >= 0)
            m_bySeq.insert(e.seq, i);
        if (!e.cid.isEmpty())
            m_byCid.insert(e.cid, i);
    }
}

void ChatLogModel::trim()
{
    if (m_entries.size() <= MaxEntries && m_textBytes <= MaxTextBytes)
        return;
    // A batch of the oldest rows, more while the text is over three
    // quarters of its budget. Never unsent messages: they are the user's
    // only copy on screen.
    const qsizetype bytesTarget = MaxTextBytes / 4 * 3;
    int n = 0;
    qsizetype dropped = 0;
    while (n < m_entries.size() && m_entries.at(n).delivery != ChatEntry::Delivery::Unsent &&
           (n < TrimBatch || m_textBytes - dropped > bytesTarget)) {
        dropped += textCost(m_entries.at(n));
        ++n;
    }
    if (n == 0)
        return;
    beginRemoveRows({}, 0, n - 1);
    m_entries.remove(0, n);
    m_textBytes -= dropped;
    endRemoveRows();
    reindex();
}

} // namespace longline::app
