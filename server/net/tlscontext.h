#pragma once
// The listener's TLS settings: certificate chain and key from PEM files,
// TLS 1.2 or later, no client certificates. Loaded once at startup; a load
// error stops the server before it listens.

#include <QString>
#include <asio/ssl/context.hpp>
#include <memory>

namespace longline::server::net {

struct TlsContext
{
    // Shared with every TLS connection made with it: after a reload that
    // replaced the certificate, the old context lives as long as the last
    // connection that uses it.
    std::shared_ptr<asio::ssl::context> context;
    // SHA-256 of the leaf certificate, "AB:CD:...", what clients pin.
    QString fingerprint;

    // Returns an empty context (and *error) on failure.
    static TlsContext load(const QString &certPath, const QString &keyPath, QString *error);
};

} // namespace longline::server::net
