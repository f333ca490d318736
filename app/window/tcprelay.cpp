#include "tcprelay.h"

namespace longline::app {

TcpRelay::TcpRelay(QObject *parent) : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, &TcpRelay::onNewConnection);
}

TcpRelay::~TcpRelay()
{
    for (const auto &s : std::as_const(m_blackholed)) {
        if (s)
            s->abort();
    }
    for (const Pair &p : std::as_const(m_pairs)) {
        if (p.downstream)
            p.downstream->abort();
        if (p.upstream)
            p.upstream->abort();
    }
}

bool TcpRelay::start(const QHostAddress &targetHost, quint16 targetPort)
{
    m_targetHost = targetHost;
    m_targetPort = targetPort;
    return m_server.listen(QHostAddress::LocalHost, 0);
}

void TcpRelay::setCut(bool cut)
{
    m_cut = cut;
}

int TcpRelay::activePairs() const
{
    int n = 0;
    for (const Pair &p : m_pairs) {
        if (p.downstream && p.downstream->state() == QAbstractSocket::ConnectedState)
            ++n;
    }
    return n;
}

void TcpRelay::onNewConnection()
{
    while (QTcpSocket *down = m_server.nextPendingConnection()) {
        down->setParent(this);
        if (m_cut) {
            // The path is down: a new connection is a black hole too. (The
            // kernel already completed the handshake; nothing else passes.)
            m_blackholed.append(down);
            connect(down, &QTcpSocket::readyRead, down, [down] { down->readAll(); });
            continue;
        }
        auto *up = new QTcpSocket(this);
        m_pairs.append(Pair{down, up});
        connect(down, &QTcpSocket::readyRead, this, [this, down, up] { pump(down, up); });
        connect(up, &QTcpSocket::readyRead, this, [this, down, up] { pump(up, down); });
        connect(up, &QTcpSocket::connected, this, [this, down, up] { pump(down, up); });
        // A real close on one side is passed on, unless the path is cut.
        connect(down, &QTcpSocket::disconnected, this, [this, up] {
            if (!m_cut)
                up->disconnectFromHost();
        });
        connect(up, &QTcpSocket::disconnected, this, [this, down] {
            if (!m_cut)
                down->disconnectFromHost();
        });
        up->connectToHost(m_targetHost, m_targetPort);
        Q_EMIT pairOpened();
    }
}

void TcpRelay::pump(QTcpSocket *from, QTcpSocket *to)
{
    if (m_cut) {
        from->readAll(); // dropped on the floor, as by a NAT without a mapping
        return;
    }
    if (to->state() != QAbstractSocket::ConnectedState)
        return; // kept in `from`'s buffer until the upstream connects
    to->write(from->readAll());
}

} // namespace longline::app
