fn main() {
    println!("clearshot");
}
