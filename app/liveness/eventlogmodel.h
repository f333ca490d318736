#pragma once
// The status pane's event log: timestamped connection events, kept in
// memory (bounded) and exportable as CSV.

#include <QAbstractTableModel>
#include <QDateTime>
#include <QIODevice>
#include <QList>

namespace longline::app {

struct LogEntry
{
    QDateTime time; // local wall-clock time of the event
    QString kind;   // short category: "state", "liveness", "chat", ...
    QString text;
};

class EventLogModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        TimeColumn,
        KindColumn,
        TextColumn,
        ColumnCount
    };
    // Oldest entries are dropped beyond this many.
    static constexpr int MaxEntries = 10000;

    explicit EventLogModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    void add(const QString &kind, const QString &text,
             const QDateTime &time = QDateTime::currentDateTime());
    void clear();
    const QList<LogEntry> &entries() const { return m_entries; }

    // RFC 4180 CSV with a header row: time (ISO 8601 with offset), event, details.
    QByteArray toCsv() const;
    bool saveCsv(const QString &path, QString *error = nullptr) const;
    static QString csvField(const QString &field);

private:
    QList<LogEntry> m_entries;
};

} // namespace longline::app
