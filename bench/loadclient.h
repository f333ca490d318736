#pragma once
// One simulated chat user for the load benchmark: connects, registers,
// sends its share of tagged messages and checks what it receives.

#include "lineframer.h"

#include <QElapsedTimer>
#include <QHash>
#include <QTcpSocket>

namespace longline::bench {

class LoadClient : public QObject
{
    Q_OBJECT
public:
    LoadClient(int index, QObject *parent = nullptr);

    void start(const QString &host, quint16 port);
    void sendOne(); // one tagged message; its echo is timed
    void quit();

    int index() const { return m_index; }
    bool online() const { return m_online; }
    int sent() const { return m_sent; }
    int acked() const { return m_acked; }
    qint64 received() const { return m_received; }
    qint64 outOfOrder() const { return m_outOfOrder; }
    qint64 duplicates() const { return m_duplicates; }
    const QList<double> &latenciesMs() const { return m_latencies; }
    qint64 firstSeq() const { return m_firstSeq; }
    qint64 lastSeq() const { return m_lastSeq; }
    QString failure() const { return m_failure; }

Q_SIGNALS:
    void registered();
    void failed(const QString &why);

private:
    void onReadyRead();

    int m_index;
    QTcpSocket m_socket;
    LineFramer m_framer{1 << 16};
    bool m_online = false;
    int m_sent = 0;
    int m_acked = 0;
    qint64 m_received = 0;
    qint64 m_outOfOrder = 0;
    qint64 m_duplicates = 0;
    qint64 m_firstSeq = -1;
    qint64 m_lastSeq = -1;
    QHash<QString, qint64> m_sentAt; // cid -> monotonic ms
    QElapsedTimer m_clock;
    QList<double> m_latencies;
    QString m_failure;
};

} // namespace longline::bench
