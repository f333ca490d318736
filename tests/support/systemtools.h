#pragma once
// Header-only helpers for tests that use system tools: nftables rules for
// silent cuts, and a throw-away self-signed certificate for TLS.

#include <QDir>
#include <QProcess>
#include <QString>

namespace longline::test {

// Runs an nftables script (`nft -f -`); false with nft's complaint in *error.
inline bool runNft(const QString &script, QString *error = nullptr)
{
    QProcess p;
    p.start(QStringLiteral("nft"), {QStringLiteral("-f"), QStringLiteral("-")});
    if (!p.waitForStarted(3000)) {
        if (error)
            *error = QStringLiteral("nft did not start: %1").arg(p.errorString());
        return false;
    }
    p.write(script.toUtf8());
    p.closeWriteChannel();
    p.waitForFinished(5000);
    if (error)
        *error = QString::fromLocal8Bit(p.readAllStandardError());
    return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

// Makes cert.pem and key.pem in `dir` with the openssl CLI: RSA 2048,
// CN=localhost, valid for localhost and 127.0.0.1, two days.
inline bool makeSelfSignedCertificate(const QString &dir, QString *cert, QString *key,
                                      QString *error)
{
    *cert = QDir(dir).filePath(QStringLiteral("cert.pem"));
    *key = QDir(dir).filePath(QStringLiteral("key.pem"));
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                   QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-keyout"),
                   *key, QStringLiteral("-out"), *cert, QStringLiteral("-days"),
                   QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=localhost"),
                   QStringLiteral("-addext"),
                   QStringLiteral("subjectAltName=DNS:localhost,IP:127.0.0.1")});
    if (!openssl.waitForStarted(5000)) {
        *error = QStringLiteral("openssl is not installed (package openssl)");
        return false;
    }
    if (!openssl.waitForFinished(30000) || openssl.exitCode() != 0) {
        *error = QString::fromLocal8Bit(openssl.readAllStandardError());
        return false;
    }
    return true;
}

} // namespace longline::test
