#include "tlsserver.h"

#include "certificatefingerprint.h"

#include <QFile>
#include <QSslKey>
#include <QSslSocket>

namespace longline::server {

bool TlsServer::loadCertificate(const QString &certPath, const QString &keyPath, QString *error)
{
    auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    if (!QSslSocket::supportsSsl())
        return fail(QStringLiteral("TLS is not available: Qt found no TLS backend (OpenSSL)"));
    const QList<QSslCertificate> chain = QSslCertificate::fromPath(certPath, QSsl::Pem);
    if (chain.isEmpty())
        return fail(QStringLiteral("no PEM certificate in '%1'").arg(certPath));
    QFile keyFile(keyPath);
    if (!keyFile.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read key '%1': %2").arg(keyPath, keyFile.errorString()));
    const QByteArray pem = keyFile.readAll();
    QSslKey key(pem, QSsl::Rsa, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(pem, QSsl::Ec, QSsl::Pem);
    if (key.isNull())
        return fail(
            QStringLiteral(
                "no usable RSA or EC private key in '%1' (encrypted keys are not supported)")
                .arg(keyPath));
    m_config = QSslConfiguration::defaultConfiguration();
    m_config.setProtocol(QSsl::TlsV1_2OrLater);
    m_config.setLocalCertificateChain(chain);
    m_config.setPrivateKey(key);
    m_config.setPeerVerifyMode(QSslSocket::VerifyNone); // clients have no certificates
    m_fingerprint = certificateFingerprint(chain.first());
    m_tls = true;
    return true;
}

void TlsServer::incomingConnection(qintptr descriptor)
{
    auto *socket = new QSslSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    if (m_tls) {
        socket->setSslConfiguration(m_config);
        // Lines written before the handshake ends are held and sent
        // encrypted; reads deliver only decrypted data.
        socket->startServerEncryption();
    }
    addPendingConnection(socket);
}

} // namespace longline::server
