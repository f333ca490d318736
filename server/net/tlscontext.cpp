#include "tlscontext.h"

#include "certificatefingerprint.h"

#include <QFile>
#include <QSslCertificate>

namespace longline::server::net {

TlsContext TlsContext::load(const QString &certPath, const QString &keyPath, QString *error)
{
    TlsContext result;
    auto fail = [&](const QString &why) {
        if (error)
            *error = why;
        return TlsContext{};
    };
    const QList<QSslCertificate> chain = QSslCertificate::fromPath(certPath, QSsl::Pem);
    if (chain.isEmpty())
        return fail(QStringLiteral("no PEM certificate in '%1'").arg(certPath));
    QFile keyFile(keyPath);
    if (!keyFile.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read key '%1': %2").arg(keyPath, keyFile.errorString()));
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    std::error_code ec;
    ctx->use_certificate_chain_file(certPath.toStdString(), ec);
    if (ec)
        return fail(QStringLiteral("cannot use certificate '%1': %2")
                        .arg(certPath, QString::fromStdString(ec.message())));
    ctx->use_private_key_file(keyPath.toStdString(), asio::ssl::context::pem, ec);
    if (ec)
        return fail(QStringLiteral("no usable private key in '%1' (encrypted keys are not "
                                   "supported): %2")
                        .arg(keyPath, QString::fromStdString(ec.message())));
    result.context = std::move(ctx);
    result.fingerprint = certificateFingerprint(chain.first());
    return result;
}

} // namespace longline::server::net
