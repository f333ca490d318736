// Test support library: the relay, ping peer and liveness client headers are
// compiled (and moc'ed) once here for every test that links it.
#include "livenessclient.h"
#include "pingpeer.h"
#include "relay.h"
