// Express 4 is installed under the alias `express4`; its API for what these tests use is the one
// @types/express (v5) describes.
declare module 'express4' {
  import express from 'express'
  export default express
}
