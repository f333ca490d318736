#pragma once
// The SHA-256 fingerprint of a TLS certificate, as the server logs it and a
// user pins it: "AB:CD:...". Shared so both ends print the same text.

#include <QSslCertificate>
#include <QString>

namespace longline {

QString certificateFingerprint(const QSslCertificate &certificate);
// Compares two fingerprints ignoring colons, case and surrounding space.
bool fingerprintsMatch(const QString &a, const QString &b);

} // namespace longline
