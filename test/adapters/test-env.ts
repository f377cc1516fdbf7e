// Imported first: Express and Connect read NODE_ENV when loaded; under 'test' their default error
// handlers answer with err.status without printing every expected 503 to stderr.
process.env['NODE_ENV'] = 'test'
