//! Random values for generated secrets, from the operating system's CSPRNG (through rand's
//! thread RNG, a ChaCha generator seeded and reseeded from the OS).

use rand::Rng;
use secrecy::SecretString;

const LETTERS_AND_DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A value of `length` characters drawn from letters, digits and `punctuation` (the characters
/// the consumer accepts: RDS refuses `/ ' " @` and spaces, ElastiCache allows only `!&#$^<>-`).
pub(super) fn generate(length: usize, punctuation: &str) -> SecretString {
    let alphabet: Vec<char> = LETTERS_AND_DIGITS.chars().chain(punctuation.chars()).collect();
    let mut rng = rand::rng();
    // Exactly the capacity needed (the alphabet is ASCII): moved into the secret without a
    // reallocation that would leave a copy behind.
    let mut value = String::with_capacity(length);
    (0..length).for_each(|_| value.push(alphabet[rng.random_range(0..alphabet.len())]));
    SecretString::from(value)
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn values_have_the_length_and_alphabet_asked_for() {
        let v = generate(64, "!&#$^<>-");
        let v = v.expose_secret();
        assert_eq!(v.chars().count(), 64);
        assert!(v.chars().all(|c| c.is_ascii_alphanumeric() || "!&#$^<>-".contains(c)), "{v}");
        let plain = generate(200, "");
        assert!(plain.expose_secret().chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn two_values_differ() {
        assert_ne!(generate(32, "").expose_secret(), generate(32, "").expose_secret());
    }
}
