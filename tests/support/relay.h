#pragma once
// A TCP relay for tests: forwards bytes both ways between each accepted
// client and a target, and can silently stop forwarding while keeping both
// sockets open: a pulled cable, as far as the two ends can tell.

#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QTcpServer>
#include <QTcpSocket>

namespace longline::test {

class Relay : public QObject
{
    Q_OBJECT
public:
    explicit Relay(QHostAddress target, quint16 targetPort, QObject *parent = nullptr)
        : QObject(parent), m_target(std::move(target)), m_targetPort(targetPort)
    {
        connect(&m_server, &QTcpServer::newConnection, this, &Relay::onNewConnection);
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }

    // Stop forwarding: bytes read from either side are dropped on the floor.
    void cut() { m_forwarding = false; }
    void restore() { m_forwarding = true; }
    bool forwarding() const { return m_forwarding; }
    // Closes every relayed pair (used when a test wants a fresh path).
    void dropAll()
    {
        for (auto &p : m_pairs) {
            if (p.first)
                p.first->abort();
            if (p.second)
                p.second->abort();
        }
        m_pairs.clear();
    }
    int connections() const { return static_cast<int>(m_pairs.size()); }

private:
    void onNewConnection()
    {
        while (QTcpSocket *in = m_server.nextPendingConnection()) {
            auto *out = new QTcpSocket(this);
            in->setParent(this);
            m_pairs.append(qMakePair(in, out));
            connect(in, &QTcpSocket::readyRead, this, [this, in, out] { pump(in, out); });
            connect(out, &QTcpSocket::readyRead, this, [this, in, out] { pump(out, in); });
            connect(in, &QTcpSocket::disconnected, out, [out] { out->disconnectFromHost(); });
            connect(out, &QTcpSocket::disconnected, in, [in] { in->disconnectFromHost(); });
            connect(out, &QTcpSocket::connected, this, [this, out] {
                if (m_pending.contains(out))
                    out->write(m_pending.take(out));
            });
            out->connectToHost(m_target, m_targetPort);
        }
    }
    void pump(QTcpSocket *from, QTcpSocket *to)
    {
        const QByteArray data = from->readAll();
        if (m_forwarding && to->state() == QAbstractSocket::ConnectedState)
            to->write(data);
        else if (m_forwarding)
            m_pending[to].append(data);
        if (to->state() == QAbstractSocket::ConnectedState && m_pending.contains(to))
            to->write(m_pending.take(to));
    }

    QTcpServer m_server;
    QHostAddress m_target;
    quint16 m_targetPort;
    bool m_forwarding = true;
    QList<QPair<QTcpSocket *, QTcpSocket *>> m_pairs;
    QHash<QTcpSocket *, QByteArray> m_pending;
};

} // namespace longline::test
