// Marin Social publisher access tokens: declare which must be invalid; preview shows every agency that is cut off.
package marinsocial
