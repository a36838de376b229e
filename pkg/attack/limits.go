package attack

// MaxResponseHeaderBytes bounds a response's status line and headers
// (1xx responses each count alone), with either client.
const MaxResponseHeaderBytes = 64 << 10
