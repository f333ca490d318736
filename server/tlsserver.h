#pragma once
// A QTcpServer that hands out QSslSockets: plain TCP when no certificate is
// configured, TLS (server side, 1.2 or later) when one is. Sessions see a
// QTcpSocket either way; liveness options act on the TCP socket underneath.

#include <QSslConfiguration>
#include <QTcpServer>

namespace longline::server {

class TlsServer : public QTcpServer
{
    Q_OBJECT
public:
    using QTcpServer::QTcpServer;

    // Loads a PEM certificate (chain) and private key. On failure returns
    // false with a reason; the server then must not start.
    bool loadCertificate(const QString &certPath, const QString &keyPath, QString *error);
    bool tlsEnabled() const { return m_tls; }
    // SHA-256 of the leaf certificate, "AB:CD:...", what clients pin.
    QString fingerprint() const { return m_fingerprint; }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    bool m_tls = false;
    QSslConfiguration m_config;
    QString m_fingerprint;
};

} // namespace longline::server
