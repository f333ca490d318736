#include "eventlogmodel.h"

#include <QSaveFile>

namespace longline::app {

EventLogModel::EventLogModel(QObject *parent) : QAbstractTableModel(parent) {}

int EventLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

int EventLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventLogModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_entries.size())
        return {};
    const LogEntry &e = m_entries.at(index.row());
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
        case TimeColumn:
            return e.time.toString(QStringLiteral("HH:mm:ss.zzz"));
        case KindColumn:
            return e.kind;
        case TextColumn:
            return e.text;
        default:
            break;
        }
    }
    return {};
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case KindColumn:
        return tr("Event");
    case TextColumn:
        return tr("Details");
    default:
        return {};
    }
}

void EventLogModel::add(const QString &kind, const QString &text, const QDateTime &time)
{
    if (m_entries.size() >= MaxEntries) {
        beginRemoveRows({}, 0, 0);
        m_entries.removeFirst();
        endRemoveRows();
    }
    const int row = static_cast<int>(m_entries.size());
    beginInsertRows({}, row, row);
    m_entries.append({time, kind, text});
    endInsertRows();
}

void EventLogModel::clear()
{
    beginResetModel();
    m_entries.clear();
    endResetModel();
}

QString EventLogModel::csvField(const QString &field)
{
    if (!field.contains(QLatin1Char(',')) && !field.contains(QLatin1Char('"')) &&
        !field.contains(QLatin1Char('\n')) && !field.contains(QLatin1Char('\r')))
        return field;
    QString quoted = field;
    quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QByteArray EventLogModel::toCsv() const
{
    // Column names stay English: the file is for spreadsheets and scripts.
    QString out = QStringLiteral("time,event,details\r\n");
    for (const LogEntry &e : m_entries) {
        out +=
            csvField(e.time.toOffsetFromUtc(e.time.offsetFromUtc()).toString(Qt::ISODateWithMs)) +
            QLatin1Char(',') + csvField(e.kind) + QLatin1Char(',') + csvField(e.text) +
            QStringLiteral("\r\n");
    }
    return out.toUtf8();
}

bool EventLogModel::saveCsv(const QString &path, QString *error) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = file.errorString();
        return false;
    }
    file.write(toCsv());
    if (!file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}

} // namespace longline::app
