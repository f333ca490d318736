#pragma once
// A loopback TCP relay that can go silent: while "cut" it keeps every
// socket open but forwards nothing (what arrives is read and dropped), and
// connections accepted meanwhile stay black holes. To the client it looks like a NAT that
// forgot its mapping: no FIN, no RST, just silence. Kernel keepalive still
// gets answered by the relay's own kernel, so only heartbeats notice.
// Used by the GUI tests and the screenshot scenario.

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>

namespace longline::app {

class TcpRelay : public QObject
{
    Q_OBJECT
public:
    explicit TcpRelay(QObject *parent = nullptr);
    ~TcpRelay() override;

    // Listens on 127.0.0.1 (any free port) and forwards to the target.
    bool start(const QHostAddress &targetHost, quint16 targetPort);
    quint16 port() const { return m_server.serverPort(); }

    void setCut(bool cut);
    bool isCut() const { return m_cut; }
    int activePairs() const;

Q_SIGNALS:
    void pairOpened();

private:
    struct Pair
    {
        QPointer<QTcpSocket> downstream; // the client side
        QPointer<QTcpSocket> upstream;   // toward the server
    };
    void onNewConnection();
    void pump(QTcpSocket *from, QTcpSocket *to);

    QTcpServer m_server;
    QHostAddress m_targetHost;
    quint16 m_targetPort = 0;
    bool m_cut = false;
    QList<Pair> m_pairs;
    QList<QPointer<QTcpSocket>> m_blackholed; // accepted while cut, never forwarded
};

} // namespace longline::app
